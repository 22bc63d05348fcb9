//! Descriptions and docs blocks as safe HTML.
//!
//! dbt renders descriptions as markdown and allows HTML in them. Projects
//! opened here are untrusted, so the HTML pulldown-cmark produces goes
//! through ammonia's allow-list (no scripts, no event handlers, no
//! `javascript:` links) before it reaches the page.

use pulldown_cmark::{html, Options, Parser};

/// Renders markdown to sanitized HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut raw = String::new();
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html =
            render("# Orders\n\nOne **row** per `order`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Orders</h1>"), "{html}");
        assert!(html.contains("<strong>row</strong>"));
        assert!(html.contains("<code>order</code>"));
        assert!(html.contains("<td>1</td>"));
    }

    #[test]
    fn hostile_html_is_removed() {
        let html = render(
            "<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[x](javascript:alert(3)) <a href=\"https://example.com\" onclick=\"evil()\">ok</a>",
        );
        assert!(html.contains(">x</a>"), "the link text stays: {html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
    }
}
