//! The vendor's email template: `{{name}}`, `{{product}}`, `{{key}}`, `{{activation_link}}` and
//! `{{portal_link}}` replaced (HTML-escaped in the HTML part). Built-in defaults when the vendor
//! gives no file.

use crate::domain::mail::KeyMail;

pub const DEFAULT_TEXT: &str = "Hello {{name}},

thank you for buying {{product}}. Your license key:

    {{key}}

Activate with one click (the app opens with the key filled in):
{{activation_link}}

See and manage your devices in the customer portal (sign in with the key):
{{portal_link}}
";

pub const DEFAULT_HTML: &str = "<!doctype html>
<html><body style=\"font-family: sans-serif\">
<p>Hello {{name}},</p>
<p>thank you for buying {{product}}. Your license key:</p>
<p style=\"font: 1.2em monospace\">{{key}}</p>
<p><a href=\"{{activation_link}}\">Activate {{product}}</a> (the app opens with the key filled in)</p>
<p>See and manage your devices in the <a href=\"{{portal_link}}\">customer portal</a>.</p>
</body></html>
";

#[derive(Debug, Clone)]
pub struct Template {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub link_scheme: String,
    pub portal_url: String,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn fill(template: &str, values: &[(&str, &str)], escape: bool) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        let value = if escape { escape_html(value) } else { value.to_string() };
        out = out.replace(&format!("{{{{{name}}}}}"), &value);
    }
    out
}

impl Template {
    pub fn activation_link(&self, key: &str) -> String {
        format!("{}://activate?key={key}", self.link_scheme)
    }

    pub fn render(&self, mail: &KeyMail, key: &str) -> Rendered {
        let link = self.activation_link(key);
        let name = if mail.to_name.is_empty() {
            "there"
        } else {
            mail.to_name.as_str()
        };
        let values = [
            ("name", name),
            ("product", mail.product_name.as_str()),
            ("key", key),
            ("activation_link", link.as_str()),
            ("portal_link", self.portal_url.as_str()),
        ];
        Rendered {
            subject: fill(&self.subject, &values, false).replace(['\r', '\n'], " "),
            text: fill(&self.text, &values, false),
            html: fill(&self.html, &values, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fill_the_template_and_are_escaped_in_html() {
        let t = Template {
            subject: "Your {{product}} key".into(),
            text: DEFAULT_TEXT.into(),
            html: DEFAULT_HTML.into(),
            link_scheme: "acme".into(),
            portal_url: "https://lic.example/portal".into(),
        };
        let mail = KeyMail::new(0, "lic_1", "a@b.c", "Ann <Admin>", "Tool & Co", "AAAAA-BBBBB");
        let r = t.render(&mail, "AAAAA-BBBBB");
        assert_eq!(r.subject, "Your Tool & Co key");
        assert!(r.text.contains("acme://activate?key=AAAAA-BBBBB") && r.text.contains("Hello Ann <Admin>"));
        assert!(r.html.contains("Tool &amp; Co") && r.html.contains("Ann &lt;Admin&gt;"));
        assert!(r.html.contains("href=\"acme://activate?key=AAAAA-BBBBB\""));
    }
}
