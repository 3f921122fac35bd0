//! Validated values: emails, phone numbers, names, external refs (parse, don't validate).

use crate::error::ValidationError;

/// Longest text accepted in a free-text field, in bytes.
const MAX_TEXT: usize = 65_536;

/// An email address, checked by `email_address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an email address from field `field`.
    ///
    /// # Errors
    /// `value_not_permitted` when the text is not an email address.
    pub fn parse(field: &str, input: &str) -> Result<Self, ValidationError> {
        if email_address::EmailAddress::is_valid(input) {
            Ok(Self(input.to_owned()))
        } else {
            Err(ValidationError::not_permitted(field, format!("'{input}' is not a valid email address")))
        }
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 form (`+14155550100`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses an E.164 phone number: `+`, a country code, at most 15 digits in all, and a
    /// number `phonenumber` recognises for that country code.
    ///
    /// # Errors
    /// `value_not_permitted` naming `field` otherwise.
    pub fn parse(field: &str, input: &str) -> Result<Self, ValidationError> {
        let refuse = || {
            ValidationError::not_permitted(
                field,
                format!("'{input}' is not a phone number in E.164 format (such as +14155550100)"),
            )
        };
        let digits = input.strip_prefix('+').ok_or_else(refuse)?;
        if digits.len() < 2
            || digits.len() > 15
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(refuse());
        }
        let parsed = phonenumber::parse(None, input).map_err(|_| refuse())?;
        let canonical = parsed.format().mode(phonenumber::Mode::E164).to_string();
        if canonical != input {
            return Err(refuse());
        }
        Ok(Self(canonical))
    }

    /// The number in E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a free-text field's length.
///
/// # Errors
/// `value_not_permitted` when the text is longer than the server accepts.
pub fn text(field: &str, input: &str) -> Result<String, ValidationError> {
    if input.len() > MAX_TEXT {
        return Err(ValidationError::not_permitted(field, format!("longer than {MAX_TEXT} bytes")));
    }
    Ok(input.to_owned())
}

/// Checks a field that must not be empty or blank (names, external refs).
///
/// # Errors
/// `value_not_permitted` when the text is blank or too long.
pub fn non_blank(field: &str, input: &str) -> Result<String, ValidationError> {
    if input.trim().is_empty() {
        return Err(ValidationError::not_permitted(field, "must not be empty"));
    }
    text(field, input)
}

/// Parses a list of phone numbers; the field name in errors carries the index.
///
/// # Errors
/// `value_not_permitted` for the first number that is not E.164.
pub fn phone_numbers(field: &str, input: &[String]) -> Result<Vec<PhoneNumber>, ValidationError> {
    input.iter().map(|p| PhoneNumber::parse(field, p)).collect()
}

/// Parses a list of external refs: each non-blank, no duplicates within the list.
///
/// # Errors
/// `value_not_permitted` for a blank or repeated value.
pub fn external_refs(field: &str, input: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::with_capacity(input.len());
    for r in input {
        let r = non_blank(field, r)?;
        if out.contains(&r) {
            return Err(ValidationError::not_permitted(field, format!("'{r}' appears twice")));
        }
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_must_be_e164() {
        assert!(PhoneNumber::parse("p", "+14155550100").is_ok());
        assert!(PhoneNumber::parse("p", "+447911123456").is_ok());
        for bad in ["14155550100", "+1 415 555 0100", "+", "+0123", "+1234567890123456", "phone", ""] {
            assert!(PhoneNumber::parse("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_checked() {
        assert!(Email::parse("e", "ada@example.com").is_ok());
        assert!(Email::parse("e", "not an email").is_err());
    }
}
