//! Sym's two name rules.
//!
//! - What Sym accepts in a configuration ([`name_problem`]): the slug of a Sym resource name
//!   (SRN), letters, digits, dashes and underscores (`aws_sso`, `prod-approval`), as the
//!   provider sends any `name` and Sym's API checks only that.
//! - What `symflow init` / `generate` propose for new names ([`slug_problem`], [`slugify`]):
//!   the CLI's stricter rule, letters, digits and dashes, at most 32 characters (spec §3.1).

/// Longest allowed slug.
pub const MAX_SLUG_LEN: usize = 32;

/// Why `name` is not a name Sym accepts for an environment or flow, or `None` when it is.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_owned());
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        .map(|bad| {
            format!("it contains {bad:?}; only letters, digits, dashes and underscores are allowed")
        })
}

/// Why `name` is not a slug `symflow init` / `generate` would write, or `None` when it is.
pub fn slug_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_owned());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Some(format!(
            "it contains {bad:?}; only letters, digits and dashes are allowed"
        ));
    }
    let length = name.chars().count();
    if length > MAX_SLUG_LEN {
        return Some(format!(
            "it is {length} characters long; the limit is {MAX_SLUG_LEN}"
        ));
    }
    None
}

/// The closest valid slug: each run of other characters becomes one dash, leading and trailing
/// dashes are dropped, and the result is cut to 32 characters.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    let mut pending_dash = false;
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c);
        } else {
            pending_dash = true;
        }
    }
    slug.truncate(MAX_SLUG_LEN);
    slug.trim_end_matches('-').to_owned()
}

/// The Terraform resource name for a flow slug: dashes become underscores, lower-cased.
pub fn resource_name(slug: &str) -> String {
    slug.replace('-', "_").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_dashes_up_to_32() {
        assert_eq!(slug_problem("prod-2"), None);
        assert_eq!(slug_problem(&"a".repeat(32)), None);
        assert!(slug_problem(&"a".repeat(33)).unwrap().contains("33"));
        assert!(slug_problem("my_flow").unwrap().contains("'_'"));
        assert!(slug_problem("").is_some());
    }

    #[test]
    fn sym_accepts_underscores_and_long_names() {
        assert_eq!(name_problem("aws_sso"), None);
        assert_eq!(name_problem("aws_iam"), None);
        assert_eq!(name_problem(&"a".repeat(60)), None);
        assert!(name_problem("my flow").unwrap().contains("' '"));
        assert!(name_problem("").is_some());
    }

    #[test]
    fn slugify_collapses_runs_and_trims() {
        assert_eq!(slugify("  My Flow__v2! "), "My-Flow-v2");
        assert_eq!(slugify(&"x".repeat(40)).len(), 32);
        assert_eq!(resource_name("Okta-Admins"), "okta_admins");
    }
}
