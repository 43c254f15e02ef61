//! Caps on what a flow hands back to the host. A flow's Python can return, or raise with, a
//! value as large as its memory cap allows (hundreds of MiB); everything it returns is
//! stored in the run, shown in Slack and written to the audit log, so an oversized answer
//! would bloat the store, fail every Slack call and slow every later step of the run. An
//! answer over [`MAX_ANSWER_BYTES`] fails the call with a clear error instead; an error's
//! message and traceback are cut to [`MAX_ERROR_BYTES`] each (the run still fails with its
//! own reason, only shorter).

use symflow_engine::{ErrorKind, FlowCall, FlowError, FlowValue};

/// The largest answer (as JSON) a flow call may return: far above any real notification
/// list, transition or strategy output, far below what would hurt the store or Slack.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// The longest error message or traceback kept from a failed flow call.
pub const MAX_ERROR_BYTES: usize = 8 * 1024;

/// `result` if it is within the caps; an oversized answer becomes an error, an oversized
/// error is shortened.
pub fn within_limits(
    call: &FlowCall,
    result: Result<FlowValue, FlowError>,
) -> Result<FlowValue, FlowError> {
    match result {
        Ok(value) => {
            let size = serde_json::to_vec(&value).map(|v| v.len()).unwrap_or(0);
            if size > MAX_ANSWER_BYTES {
                Err(FlowError::new(
                    ErrorKind::InvalidReturn,
                    format!(
                        "{} returned {} of data; symflow accepts at most {} KiB from one flow call. Return less (a short reason, fewer notifications), or keep large data outside the flow.",
                        call.handler_name(),
                        human_bytes(size),
                        MAX_ANSWER_BYTES / 1024
                    ),
                ))
            } else {
                Ok(value)
            }
        }
        Err(mut error) => {
            error.message = shorten(error.message);
            error.traceback = shorten(error.traceback);
            Err(error)
        }
    }
}

fn shorten(text: String) -> String {
    if text.len() <= MAX_ERROR_BYTES {
        return text;
    }
    let mut end = MAX_ERROR_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} more cut by symflow]",
        &text[..end],
        human_bytes(text.len() - end)
    )
}

fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use symflow_engine::Step;

    #[test]
    fn an_oversized_answer_is_refused_and_an_oversized_error_shortened() {
        let call = FlowCall::On(Step::Request);
        let huge = FlowValue::StepOutput(Some(serde_json::json!("x".repeat(MAX_ANSWER_BYTES))));
        let refused = within_limits(&call, Ok(huge)).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::InvalidReturn);
        assert!(
            refused.message.contains("at most 256 KiB"),
            "{}",
            refused.message
        );
        let small = FlowValue::StepOutput(Some(serde_json::json!({"grant": "g"})));
        assert_eq!(within_limits(&call, Ok(small.clone())), Ok(small));

        let long = FlowError::new(ErrorKind::PythonException, "é".repeat(MAX_ERROR_BYTES));
        let cut = within_limits(&call, Err(long)).unwrap_err();
        assert!(
            cut.message.len() < MAX_ERROR_BYTES + 64,
            "{}",
            cut.message.len()
        );
        assert!(cut.message.ends_with("more cut by symflow]"));
    }
}
