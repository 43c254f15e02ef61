//! Slack Block Kit JSON drawn as HTML, close enough to Slack's look to judge a flow's modal and
//! card: `header`, `section` (text, fields, a button accessory), `context`, `divider`, `image`,
//! `actions` (buttons) and `input` blocks (text, number, e-mail, URL, selects, radio buttons,
//! checkboxes, date and time pickers, people pickers), and `mrkdwn` basics (bold, italic,
//! strike, code, code blocks, quotes, links, mentions, a few emoji). Unknown blocks are shown
//! as a labelled placeholder rather than dropped, so nothing the flow sends goes unseen.
//!
//! Inputs are named by their `block_id` (what the submission is built from); buttons carry
//! `block_id|action_id|value` in `name="button"`. A button with a `confirm` object asks first,
//! as Slack does: it opens the confirmation dialog (title, text, confirm and deny labels, a
//! danger style) and only the dialog's confirm button submits; Cancel leaves the page as it
//! was. Done with `<details>`, so no JavaScript is needed.

use std::fmt::Write as _;

use serde_json::Value;

use crate::console::html::esc;

/// A person the people pickers offer: (Slack user id, label).
pub type PickerUser = (String, String);

fn text_of(value: &Value) -> String {
    match value.get("type").and_then(Value::as_str) {
        Some("mrkdwn") => mrkdwn(
            value
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ),
        _ => emoji(&esc(value
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default())),
    }
}

fn plain(value: Option<&Value>) -> String {
    value
        .and_then(|v| v.get("text"))
        .and_then(Value::as_str)
        .map(|t| emoji(&esc(t)))
        .unwrap_or_default()
}

/// The emoji symflow's messages use, and a few common ones; others stay `:name:`.
fn emoji(html: &str) -> String {
    const EMOJI: &[(&str, &str)] = &[
        (":white_check_mark:", "✅"),
        (":heavy_check_mark:", "✔️"),
        (":x:", "❌"),
        (":warning:", "⚠️"),
        (":hourglass_flowing_sand:", "⏳"),
        (":hourglass:", "⌛"),
        (":lock:", "🔒"),
        (":unlock:", "🔓"),
        (":key:", "🔑"),
        (":no_entry:", "⛔"),
        (":no_entry_sign:", "🚫"),
        (":rotating_light:", "🚨"),
        (":clock1:", "🕐"),
        (":stopwatch:", "⏱️"),
        (":arrow_right:", "➡️"),
        (":tada:", "🎉"),
        (":wave:", "👋"),
        (":bell:", "🔔"),
        (":information_source:", "ℹ️"),
        (":speech_balloon:", "💬"),
        (":link:", "🔗"),
    ];
    let mut out = html.to_string();
    for (name, symbol) in EMOJI {
        if out.contains(name) {
            out = out.replace(name, symbol);
        }
    }
    out
}

/// Slack `mrkdwn` as HTML. Slack escapes `&`, `<`, `>` in text it sends; symflow's text is
/// raw, so the text is escaped here and `<…>` links and mentions are recognised first.
pub fn mrkdwn(text: &str) -> String {
    // Code blocks first: their content is taken as is.
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("```") {
        out.push_str(&inline(&rest[..start]));
        let after = &rest[start + 3..];
        match after.find("```") {
            Some(end) => {
                let _ = write!(out, "<pre>{}</pre>", esc(after[..end].trim_matches('\n')));
                rest = &after[end + 3..];
            }
            None => {
                out.push_str(&inline(&rest[start..]));
                rest = "";
            }
        }
    }
    out.push_str(&inline(rest));
    out
}

/// One stretch of mrkdwn without code blocks: line by line (quotes), then spans.
fn inline(text: &str) -> String {
    text.split('\n')
        .map(
            |line| match line.strip_prefix("&gt;").or_else(|| line.strip_prefix('>')) {
                Some(quoted) => format!("<blockquote>{}</blockquote>", spans(quoted.trim_start())),
                None => spans(line),
            },
        )
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Links, mentions, `code`, *bold*, _italic_, ~strike~ within a line.
fn spans(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('<') {
        out.push_str(&styles(&rest[..start]));
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            out.push_str(&styles(&rest[start..]));
            rest = "";
            break;
        };
        let inner = &after[..end];
        let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
        let html = if let Some(user) = target.strip_prefix('@') {
            format!(
                "<span class=\"mention\">@{}</span>",
                esc(if label.is_empty() { user } else { label })
            )
        } else if let Some(channel) = target.strip_prefix('#') {
            format!(
                "<span class=\"mention\">#{}</span>",
                esc(if label.is_empty() { channel } else { label })
            )
        } else if let Some(special) = target.strip_prefix('!') {
            format!("<span class=\"mention\">@{}</span>", esc(special))
        } else if target.starts_with("http://")
            || target.starts_with("https://")
            || target.starts_with("mailto:")
        {
            format!(
                "<a href=\"{}\" rel=\"noopener noreferrer\" target=\"_blank\">{}</a>",
                esc(target),
                esc(if label.is_empty() { target } else { label })
            )
        } else {
            esc(&rest[start..start + end + 2])
        };
        out.push_str(&html);
        rest = &after[end + 1..];
    }
    out.push_str(&styles(rest));
    out
}

/// `code`, *bold*, _italic_, ~strike~ on escaped text.
fn styles(text: &str) -> String {
    let mut out = String::new();
    let mut parts = text.split('`');
    let mut code = false;
    if let Some(first) = parts.next() {
        out.push_str(&marks(&emoji(&esc(first))));
    }
    for part in parts {
        code = !code;
        if code {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&marks(&emoji(&esc(part))));
        }
    }
    out
}

/// `*b*`, `_i_`, `~s~` pairs on one escaped stretch (no code inside).
fn marks(text: &str) -> String {
    let mut out = text.to_string();
    for (mark, tag) in [('*', "b"), ('_', "i"), ('~', "s")] {
        let mut result = String::new();
        let mut open = false;
        let pieces: Vec<&str> = out.split(mark).collect();
        if pieces.len() < 3 {
            continue;
        }
        let pairs = (pieces.len() - 1) / 2 * 2;
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                if i <= pairs {
                    result.push_str(if open { "</" } else { "<" });
                    result.push_str(tag);
                    result.push('>');
                    open = !open;
                } else {
                    result.push(mark);
                }
            }
            result.push_str(piece);
        }
        out = result;
    }
    out
}

fn option_value(option: &Value) -> String {
    option
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn button(block_id: &str, el: &Value) -> String {
    let style = match el.get("style").and_then(Value::as_str) {
        Some("primary") => " primary",
        Some("danger") => " danger",
        _ => "",
    };
    let action_id = el
        .get("action_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let value = el.get("value").and_then(Value::as_str).unwrap_or_default();
    let submit = esc(&format!("{block_id}|{action_id}|{value}"));
    let label = plain(el.get("text"));
    let Some(confirm) = el.get("confirm").filter(|c| c.is_object()) else {
        return format!(
            "<button class=\"sk-button{style}\" name=\"button\" value=\"{submit}\" data-action=\"{}\">{label}</button>",
            esc(action_id)
        );
    };
    // Slack's defaults when the confirm object leaves a label out.
    let or = |key: &str, default: &str| {
        let text = plain(confirm.get(key));
        if text.is_empty() {
            default.to_string()
        } else {
            text
        }
    };
    let confirm_style = match confirm.get("style").and_then(Value::as_str) {
        Some("danger") => " danger",
        _ => " primary",
    };
    format!(
        "<details class=\"sk-confirm\"><summary class=\"sk-button{style}\" data-action=\"{action}\">{label}</summary>\
         <div class=\"sk-dialog\" role=\"alertdialog\" data-confirm=\"{action}\">\
         <div class=\"sk-dialog-title\">{title}</div><div class=\"sk-dialog-text\">{text}</div>\
         <div class=\"sk-dialog-foot\"><a class=\"sk-button\" href=\"\" data-deny=\"{action}\">{deny}</a>\
         <button class=\"sk-button{confirm_style}\" name=\"button\" value=\"{submit}\" data-confirmed=\"{action}\">{yes}</button></div></div></details>",
        action = esc(action_id),
        title = plain(confirm.get("title")),
        text = confirm.get("text").map(text_of).unwrap_or_default(),
        deny = or("deny", "Cancel"),
        yes = or("confirm", "Yes"),
    )
}

/// One input element, named `name`.
fn input_element(name: &str, el: &Value, users: &[PickerUser]) -> String {
    let kind = el.get("type").and_then(Value::as_str).unwrap_or_default();
    let placeholder = plain(el.get("placeholder"));
    let initial = el
        .get("initial_value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = esc(name);
    let options = |multi: bool| {
        let initial: Vec<String> = el
            .get("initial_options")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(option_value).collect())
            .or_else(|| el.get("initial_option").map(|o| vec![option_value(o)]))
            .unwrap_or_default();
        let mut html = if multi {
            String::new()
        } else {
            format!(
                "<option value=\"\">{}</option>",
                if placeholder.is_empty() {
                    "Select…".to_string()
                } else {
                    placeholder.clone()
                }
            )
        };
        let groups: Vec<&Value> = match el.get("option_groups").and_then(Value::as_array) {
            Some(groups) => groups
                .iter()
                .flat_map(|g| {
                    g.get("options")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                })
                .collect(),
            None => el
                .get("options")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
        };
        for option in groups {
            let value = option_value(option);
            let selected = if initial.contains(&value) {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                html,
                "<option value=\"{}\"{selected}>{}</option>",
                esc(&value),
                plain(option.get("text"))
            );
        }
        html
    };
    match kind {
        "plain_text_input" if el.get("multiline").and_then(Value::as_bool) == Some(true) => {
            format!(
                "<textarea name=\"{name}\" rows=\"3\" placeholder=\"{placeholder}\">{}</textarea>",
                esc(initial)
            )
        }
        "plain_text_input"
        | "email_text_input"
        | "url_text_input"
        | "number_input"
        | "conversations_select"
        | "channels_select"
        | "external_select" => {
            let input_type = match kind {
                "email_text_input" => "email",
                "url_text_input" => "url",
                "number_input" => "number",
                _ => "text",
            };
            format!(
                "<input name=\"{name}\" type=\"{input_type}\" placeholder=\"{placeholder}\" value=\"{}\">",
                esc(initial)
            )
        }
        "static_select" => format!("<select name=\"{name}\">{}</select>", options(false)),
        "multi_static_select" | "multi_external_select" => {
            format!(
                "<select name=\"{name}\" multiple size=\"4\">{}</select>",
                options(true)
            )
        }
        "radio_buttons" | "checkboxes" => {
            let input_type = if kind == "radio_buttons" {
                "radio"
            } else {
                "checkbox"
            };
            let mut html = String::new();
            for option in el
                .get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let _ = write!(
                    html,
                    "<label class=\"sk-choice\"><input type=\"{input_type}\" name=\"{name}\" value=\"{}\"> {}</label>",
                    esc(&option_value(option)),
                    text_of(option.get("text").unwrap_or(&Value::Null))
                );
            }
            html
        }
        "datepicker" => format!(
            "<input name=\"{name}\" type=\"date\" value=\"{}\">",
            esc(el
                .get("initial_date")
                .and_then(Value::as_str)
                .unwrap_or_default())
        ),
        "timepicker" => format!(
            "<input name=\"{name}\" type=\"time\" value=\"{}\">",
            esc(el
                .get("initial_time")
                .and_then(Value::as_str)
                .unwrap_or_default())
        ),
        "users_select" | "multi_users_select" => {
            let multi = kind == "multi_users_select";
            let mut html = format!(
                "<select name=\"{name}\"{}>",
                if multi { " multiple size=\"4\"" } else { "" }
            );
            if !multi {
                html.push_str("<option value=\"\">Choose a person…</option>");
            }
            for (id, label) in users {
                let _ = write!(
                    html,
                    "<option value=\"{}\">{}</option>",
                    esc(id),
                    esc(label)
                );
            }
            html.push_str("</select>");
            html
        }
        other => format!("<span class=\"sk-unknown\">[{} input]</span>", esc(other)),
    }
}

/// `blocks` as HTML.
pub fn render(blocks: &Value, users: &[PickerUser]) -> String {
    let mut html = String::new();
    for block in blocks.as_array().into_iter().flatten() {
        let block_id = block
            .get("block_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match block
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "header" => {
                let _ = write!(
                    html,
                    "<div class=\"sk-header\">{}</div>",
                    plain(block.get("text"))
                );
            }
            "section" => {
                html.push_str("<div class=\"sk-section\"><div class=\"sk-section-body\">");
                if let Some(text) = block.get("text") {
                    let _ = write!(html, "<div class=\"sk-text\">{}</div>", text_of(text));
                }
                if let Some(fields) = block.get("fields").and_then(Value::as_array) {
                    html.push_str("<div class=\"sk-fields\">");
                    for field in fields {
                        let _ = write!(html, "<div>{}</div>", text_of(field));
                    }
                    html.push_str("</div>");
                }
                html.push_str("</div>");
                if let Some(accessory) = block.get("accessory") {
                    if accessory.get("type").and_then(Value::as_str) == Some("button") {
                        html.push_str(&button(block_id, accessory));
                    }
                }
                html.push_str("</div>");
            }
            "context" => {
                html.push_str("<div class=\"sk-context\">");
                for el in block
                    .get("elements")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if el.get("type").and_then(Value::as_str) == Some("image") {
                        continue;
                    }
                    let _ = write!(html, "<span>{}</span>", text_of(el));
                }
                html.push_str("</div>");
            }
            "divider" => html.push_str("<hr class=\"sk-divider\">"),
            "image" => {
                let _ = write!(
                    html,
                    "<div class=\"sk-context\">[image: {}]</div>",
                    esc(block
                        .get("alt_text")
                        .and_then(Value::as_str)
                        .unwrap_or_default())
                );
            }
            "actions" => {
                html.push_str("<div class=\"sk-actions\">");
                for el in block
                    .get("elements")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if el.get("type").and_then(Value::as_str) == Some("button") {
                        html.push_str(&button(block_id, el));
                    } else {
                        html.push_str(&input_element(block_id, el, users));
                    }
                }
                html.push_str("</div>");
            }
            "input" => {
                let optional = block.get("optional").and_then(Value::as_bool) == Some(true);
                let _ = write!(
                    html,
                    "<label class=\"sk-input\" data-block=\"{}\"><span class=\"sk-label\">{}{}</span>{}",
                    esc(block_id),
                    plain(block.get("label")),
                    if optional { " <span class=\"sk-optional\">(optional)</span>" } else { "" },
                    input_element(block_id, block.get("element").unwrap_or(&Value::Null), users)
                );
                if let Some(hint) = block.get("hint") {
                    let _ = write!(html, "<span class=\"sk-hint\">{}</span>", plain(Some(hint)));
                }
                html.push_str("</label>");
            }
            other => {
                let _ = write!(
                    html,
                    "<div class=\"sk-unknown\">[{} block]</div>",
                    esc(other)
                );
            }
        }
    }
    html
}

/// The stylesheet for rendered blocks.
pub const STYLE: &str = r#"
.sk-msg{display:flex;gap:10px;padding:10px 14px;border-bottom:1px solid #eee;background:#fff}
.sk-avatar{width:36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;font-weight:700;display:flex;align-items:center;justify-content:center;flex:none}
.sk-meta{font-size:13px}.sk-meta b{margin-right:6px}.sk-meta .muted{font-size:12px}
.sk-body{flex:1;min-width:0}.sk-header{font-size:18px;font-weight:800;margin:4px 0}
.sk-section{display:flex;gap:12px;justify-content:space-between;margin:4px 0}.sk-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:6px}
.sk-context{font-size:12px;color:#616061;margin:4px 0;display:flex;gap:8px;flex-wrap:wrap}
.sk-divider{border:0;border-top:1px solid #ddd;margin:8px 0}.sk-actions{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.sk-button{border:1px solid #bbb;background:#fff;border-radius:4px;padding:4px 12px;font-weight:700;cursor:pointer}
.sk-button.primary{background:#007a5a;border-color:#007a5a;color:#fff}.sk-button.danger{color:#e01e5a;border-color:#e01e5a}
.sk-input{display:flex;flex-direction:column;gap:4px;margin:12px 0;font-size:14px;color:#1d1c1d}.sk-label{font-weight:700}
.sk-optional,.sk-hint{font-weight:400;color:#616061;font-size:12px}.sk-choice{flex-direction:row;gap:6px;font-size:14px;color:#1d1c1d}
.sk-unknown{color:#b45309;font-size:12px}.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:8px}
.sk-modal{background:#fff;border-radius:8px;box-shadow:0 10px 30px rgba(0,0,0,.25);max-width:520px;border:1px solid #ddd}
.sk-modal-title{font-size:18px;font-weight:800;padding:14px 18px;border-bottom:1px solid #eee}.sk-modal-body{padding:8px 18px}
.sk-modal-foot{display:flex;justify-content:flex-end;gap:8px;padding:12px 18px;border-top:1px solid #eee}
.sk-channel{font-weight:700;padding:8px 14px;background:#f8f8f8;border-bottom:1px solid #eee}
.sk-confirm{display:inline-block}.sk-confirm>summary{list-style:none;display:inline-block}.sk-confirm>summary::-webkit-details-marker{display:none}
.sk-dialog{position:absolute;z-index:10;background:#fff;border:1px solid #ddd;border-radius:8px;box-shadow:0 10px 30px rgba(0,0,0,.25);padding:14px 18px;max-width:420px;margin-top:6px}
.sk-dialog-title{font-size:18px;font-weight:800;margin-bottom:8px}.sk-dialog-foot{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mrkdwn_basics_become_html() {
        assert_eq!(
            mrkdwn("*bold* and _it_ and ~gone~"),
            "<b>bold</b> and <i>it</i> and <s>gone</s>"
        );
        assert_eq!(
            mrkdwn("run `ls -l` <now>"),
            "run <code>ls -l</code> &lt;now&gt;"
        );
        assert_eq!(
            mrkdwn("<https://x.example/a?b=1&c=2|the docs> for <@U123>"),
            "<a href=\"https://x.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer\" target=\"_blank\">the docs</a> for <span class=\"mention\">@U123</span>"
        );
        assert_eq!(mrkdwn("a\n```x <y>```"), "a<br><pre>x &lt;y&gt;</pre>");
        assert_eq!(mrkdwn(":white_check_mark: ok"), "✅ ok");
        assert_eq!(mrkdwn("> quoted"), "<blockquote>quoted</blockquote>");
        assert_eq!(mrkdwn("2 * 3"), "2 * 3");
        assert_eq!(mrkdwn("<script>"), "&lt;script&gt;");
    }

    #[test]
    fn blocks_render_with_named_inputs_and_buttons() {
        let blocks = json!([
            {"type": "header", "text": {"type": "plain_text", "text": "Access <request>"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Reason:* deploy"},
             "fields": [{"type": "mrkdwn", "text": "*Duration*\n1h"}]},
            {"type": "input", "block_id": "field:duration", "label": {"type": "plain_text", "text": "Duration"},
             "element": {"type": "static_select", "action_id": "value",
                         "options": [{"text": {"type": "plain_text", "text": "1 hour"}, "value": "1h"}]}},
            {"type": "actions", "block_id": "symflow_actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Approve"}, "style": "primary",
                 "action_id": "symflow_approve", "value": "run-1"}]},
            {"type": "rich_text"}
        ]);
        let html = render(&blocks, &[]);
        assert!(
            html.contains("<div class=\"sk-header\">Access &lt;request&gt;</div>"),
            "{html}"
        );
        assert!(html.contains("<b>Reason:</b> deploy"), "{html}");
        assert!(html.contains("<select name=\"field:duration\">"), "{html}");
        assert!(
            html.contains("<option value=\"1h\">1 hour</option>"),
            "{html}"
        );
        assert!(
            html.contains("value=\"symflow_actions|symflow_approve|run-1\""),
            "{html}"
        );
        assert!(html.contains("[rich_text block]"), "{html}");
    }

    #[test]
    fn a_button_with_a_confirm_object_asks_before_it_submits() {
        let revoke = json!({
            "type": "button", "text": {"type": "plain_text", "text": "Revoke"}, "style": "danger",
            "action_id": "symflow_revoke", "value": "run-1",
            "confirm": {
                "title": {"type": "plain_text", "text": "Revoke access?"},
                "text": {"type": "mrkdwn", "text": "This removes access for *Alice* now."},
                "confirm": {"type": "plain_text", "text": "Revoke"},
                "deny": {"type": "plain_text", "text": "Keep it"},
                "style": "danger"
            }
        });
        let html = render(
            &json!([{"type": "actions", "block_id": "b", "elements": [revoke]}]),
            &[],
        );
        // The visible button only opens the dialog: it is not a submit button.
        assert!(
            html.contains("<summary class=\"sk-button danger\" data-action=\"symflow_revoke\">Revoke</summary>"),
            "{html}"
        );
        assert_eq!(html.matches("name=\"button\"").count(), 1, "{html}");
        let dialog = &html[html.find("sk-dialog").expect("a dialog")..];
        assert!(dialog.contains("Revoke access?"), "{html}");
        assert!(
            dialog.contains("This removes access for <b>Alice</b> now."),
            "{html}"
        );
        assert!(dialog.contains(">Keep it</a>"), "{html}");
        assert!(
            dialog.contains("name=\"button\" value=\"b|symflow_revoke|run-1\" data-confirmed=\"symflow_revoke\">Revoke</button>"),
            "{html}"
        );

        // Slack's default labels when the object leaves them out.
        let mut bare = revoke.clone();
        bare["confirm"] = json!({"title": {"type": "plain_text", "text": "Sure?"},
                                 "text": {"type": "plain_text", "text": "Really."}});
        let html = render(
            &json!([{"type": "actions", "block_id": "b", "elements": [bare]}]),
            &[],
        );
        assert!(
            html.contains(">Cancel</a>") && html.contains(">Yes</button>"),
            "{html}"
        );
    }
}
