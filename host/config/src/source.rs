//! Reading `.tf` files into blocks and attributes that remember their line numbers.
//!
//! `hcl::Body` (hcl-rs) is what the evaluator works on, but it forgets where things were written.
//! hcl-rs parses through `hcl-edit`, whose syntax tree keeps byte spans; this module parses with
//! `hcl-edit`, turns each span into a line number, and converts each attribute's expression into
//! the hcl-rs `Expression` the evaluator needs. Everything downstream points at lines from here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl::edit::parser;
use hcl::edit::structure as edit;
use hcl::edit::Span;

use crate::diagnostic::{Diagnostic, SourceLocation};

/// Byte offset → line number lookup for one file.
struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { line_starts }
    }

    /// 1-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(index) => index + 1,
            Err(index) => index,
        }
    }
}

/// An attribute (`key = expression`) with the line it starts on.
#[derive(Debug, Clone)]
pub(crate) struct SourceAttribute {
    pub key: String,
    pub expr: hcl::Expression,
    pub location: SourceLocation,
}

/// A block (`ident "label" ... { ... }`) with its line and its contents in source order.
#[derive(Debug, Clone)]
pub(crate) struct SourceBlock {
    pub ident: String,
    pub labels: Vec<String>,
    pub location: SourceLocation,
    pub attributes: Vec<SourceAttribute>,
    pub blocks: Vec<SourceBlock>,
}

impl SourceBlock {
    pub fn attribute(&self, key: &str) -> Option<&SourceAttribute> {
        self.attributes.iter().find(|a| a.key == key)
    }

    #[cfg(test)]
    pub fn blocks_named<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a SourceBlock> {
        self.blocks.iter().filter(move |b| b.ident == ident)
    }
}

/// The top level of one file: its attributes (only in `.tfvars`) and blocks.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub attributes: Vec<SourceAttribute>,
    pub blocks: Vec<SourceBlock>,
}

/// Parses `text` (the contents of `path`). A syntax error becomes a diagnostic with its line.
pub(crate) fn parse_file(path: &Path, text: &str) -> Result<SourceFile, Diagnostic> {
    let body = parser::parse_body(text).map_err(|err| {
        let location = err.location();
        Diagnostic::error(
            Some(SourceLocation {
                file: path.to_path_buf(),
                line: location.line(),
            }),
            format!(
                "HCL syntax error at column {}: {} (in `{}`)",
                location.column(),
                err.message(),
                err.line().trim()
            ),
        )
        .with_fix(
            "check for a missing closing brace, quote or `=` on this line or the one before it",
        )
    })?;
    let lines = LineIndex::new(text);
    let path: Arc<Path> = Arc::from(path);
    let converter = Converter {
        path: &path,
        lines: &lines,
    };
    let (attributes, blocks) = converter.body(&body);
    Ok(SourceFile { attributes, blocks })
}

struct Converter<'a> {
    path: &'a Arc<Path>,
    lines: &'a LineIndex,
}

impl Converter<'_> {
    fn location(&self, span: Option<std::ops::Range<usize>>) -> SourceLocation {
        SourceLocation {
            file: PathBuf::from(&**self.path),
            line: span.map_or(0, |s| self.lines.line_of(s.start)),
        }
    }

    fn body(&self, body: &edit::Body) -> (Vec<SourceAttribute>, Vec<SourceBlock>) {
        let mut attributes = Vec::new();
        let mut blocks = Vec::new();
        for structure in body.iter() {
            match structure {
                edit::Structure::Attribute(attribute) => attributes.push(SourceAttribute {
                    key: attribute.key.as_str().to_owned(),
                    expr: hcl::Expression::from(attribute.value.clone()),
                    location: self.location(attribute.span()),
                }),
                edit::Structure::Block(block) => blocks.push(self.block(block)),
            }
        }
        (attributes, blocks)
    }

    fn block(&self, block: &edit::Block) -> SourceBlock {
        let (attributes, blocks) = self.body(&block.body);
        SourceBlock {
            ident: block.ident.as_str().to_owned(),
            labels: block
                .labels
                .iter()
                .map(|label| label.as_str().to_owned())
                .collect(),
            location: self.location(block.span()),
            attributes,
            blocks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_point_at_block_headers_and_attributes() {
        let text = "# comment\n\nresource \"sym_flow\" \"demo\" {\n  name = \"demo\"\n\n  params {\n    allow_revoke = false\n  }\n}\n";
        let file = parse_file(Path::new("flows/demo.tf"), text).unwrap();
        let flow = &file.blocks[0];
        assert_eq!(flow.location.line, 3);
        assert_eq!(flow.labels, ["sym_flow", "demo"]);
        assert_eq!(flow.attribute("name").unwrap().location.line, 4);
        let params = flow.blocks_named("params").next().unwrap();
        assert_eq!(params.location.line, 6);
        assert_eq!(params.attribute("allow_revoke").unwrap().location.line, 7);
    }

    #[test]
    fn syntax_error_names_the_line() {
        let text = "resource \"sym_flow\" \"demo\" {\n  name = \"demo\"\n  label = \n}\n";
        let err = parse_file(Path::new("x.tf"), text).unwrap_err();
        assert_eq!(err.location.unwrap().line, 3, "{}", err.message);
    }
}
