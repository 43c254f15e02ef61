//! The `allowed_hosts` setting of integrations: which hosts a flow's `requests` calls may
//! reach. The host checks every call against it (host/integrations' outbound HTTP), and
//! `symflow validate` checks the URLs an impl.py writes out literally against it, so both
//! read the setting the same way.

/// One allowed host pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// This host exactly (case-insensitive).
    Exact(String),
    /// Any subdomain of this domain (`*.example.com` → `example.com`).
    Subdomains(String),
}

impl HostPattern {
    /// Parses `api.example.com` or `*.example.com`; `None` for an empty or malformed one.
    pub fn parse(text: &str) -> Option<HostPattern> {
        let text = text.trim().trim_end_matches('.').to_ascii_lowercase();
        if text.is_empty() || text.contains('/') || text.contains(':') && !text.starts_with('[') {
            return None;
        }
        match text.strip_prefix("*.") {
            Some(domain) if !domain.is_empty() && !domain.contains('*') => {
                Some(HostPattern::Subdomains(domain.to_string()))
            }
            Some(_) => None,
            None if text.contains('*') => None,
            None => Some(HostPattern::Exact(text)),
        }
    }

    /// Does `host` match?
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        match self {
            HostPattern::Exact(exact) => host == *exact,
            HostPattern::Subdomains(domain) => {
                host.len() > domain.len() + 1
                    && host.ends_with(domain.as_str())
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            }
        }
    }
}

/// The hosts a flow may call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    patterns: Vec<HostPattern>,
}

impl AllowList {
    /// An empty list: every host refused.
    pub fn new() -> Self {
        AllowList::default()
    }

    /// Adds every pattern of `text` (comma, space or newline separated); returns the ones
    /// that could not be parsed.
    pub fn extend_from_text(&mut self, text: &str) -> Vec<String> {
        let mut bad = Vec::new();
        for item in text
            .split([',', ' ', '\n', '\t', ';'])
            .filter(|s| !s.trim().is_empty())
        {
            match HostPattern::parse(item) {
                Some(pattern) if !self.patterns.contains(&pattern) => self.patterns.push(pattern),
                Some(_) => {}
                None => bad.push(item.to_string()),
            }
        }
        bad
    }

    /// A list from patterns such as `["api.example.com", "*.corp.example"]`.
    pub fn from_patterns<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut list = AllowList::new();
        for pattern in patterns {
            list.extend_from_text(pattern);
        }
        list
    }

    /// Is `host` allowed?
    pub fn allows(&self, host: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(host))
    }

    /// No pattern at all.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}
