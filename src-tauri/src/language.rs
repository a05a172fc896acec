//! The app's language: the vendor's choice (`language` in the vendor config) if the app has it,
//! else the OS locale's language if the app has it, else English.

/// The languages the UI has words for (ui/src/locales/).
pub const SUPPORTED: &[&str] = &["en", "de", "fr", "es"];

/// Picks the language from the vendor's choice and the OS locale (e.g. `de-DE`, `fr_CA.UTF-8`).
pub fn pick(vendor: Option<&str>, os_locale: Option<&str>) -> &'static str {
    [vendor, os_locale]
        .into_iter()
        .flatten()
        .find_map(supported)
        .unwrap_or("en")
}

/// The supported language of a locale name, if any: its primary subtag, case-insensitive.
fn supported(locale: &str) -> Option<&'static str> {
    let primary = locale.split(['-', '_', '.', '@']).next()?.to_ascii_lowercase();
    SUPPORTED.iter().copied().find(|language| *language == primary)
}

/// The OS locale (Linux: `LC_ALL`, `LC_MESSAGES`, `LANG`; Windows and macOS: the user's locale).
pub fn os_locale() -> Option<String> {
    sys_locale::get_locale()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_locale_decides_when_the_vendor_does_not() {
        assert_eq!(pick(None, Some("de-DE")), "de");
        assert_eq!(pick(None, Some("fr_CA.UTF-8")), "fr");
        assert_eq!(pick(None, Some("ES")), "es");
        assert_eq!(pick(None, Some("en-US")), "en");
    }

    #[test]
    fn the_vendor_overrides_the_os() {
        assert_eq!(pick(Some("fr"), Some("de-DE")), "fr");
    }

    #[test]
    fn unknown_languages_fall_back_to_the_next_choice_then_english() {
        assert_eq!(pick(Some("it"), Some("es-ES")), "es");
        assert_eq!(pick(None, Some("ja-JP")), "en");
        assert_eq!(pick(None, Some("C")), "en");
        assert_eq!(pick(None, None), "en");
    }
}
