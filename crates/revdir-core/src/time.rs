//! Timestamps: stored as milliseconds since the epoch, rendered as RFC 3339 with milliseconds.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::error::ValidationError;

/// A point in time with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Wraps milliseconds since the Unix epoch.
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch.
    pub fn seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// The current time of the system clock; read it through `clock::system_now`.
    #[allow(clippy::disallowed_methods)]
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Self((now.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// Parses an RFC 3339 timestamp from a request field.
    ///
    /// # Errors
    /// `bad_request` naming the field when the text is not RFC 3339.
    pub fn parse(field: &str, input: &str) -> Result<Self, ValidationError> {
        let t = OffsetDateTime::parse(input, &Rfc3339)
            .map_err(|_| ValidationError::not_permitted(field, format!("'{input}' is not an RFC 3339 date-time")))?;
        Ok(Self((t.unix_timestamp_nanos() / 1_000_000) as i64))
    }

    /// Parses like [`Timestamp::parse`] but rounds a sub-millisecond remainder up, so an
    /// inclusive lower bound never admits a stored millisecond that lies before it.
    ///
    /// # Errors
    /// As [`Timestamp::parse`].
    pub fn parse_ceil(field: &str, input: &str) -> Result<Self, ValidationError> {
        let t = OffsetDateTime::parse(input, &Rfc3339)
            .map_err(|_| ValidationError::not_permitted(field, format!("'{input}' is not an RFC 3339 date-time")))?;
        let nanos = t.unix_timestamp_nanos();
        Ok(Self((nanos.div_euclid(1_000_000) + i128::from(nanos.rem_euclid(1_000_000) != 0)) as i64))
    }

    /// Renders as `2025-01-10T09:15:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(UtcOffset::UTC);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_milliseconds() {
        let t = Timestamp::parse("f", "2025-01-10T09:15:00.5+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-01-10T08:15:00.500Z");
        assert!(Timestamp::parse("f", "yesterday").is_err());
        let finer = "2025-01-10T09:15:00.1235Z";
        assert_eq!(Timestamp::parse("f", finer).unwrap().to_rfc3339(), "2025-01-10T09:15:00.123Z");
        assert_eq!(Timestamp::parse_ceil("f", finer).unwrap().to_rfc3339(), "2025-01-10T09:15:00.124Z");
        assert_eq!(
            Timestamp::parse_ceil("f", "2025-01-10T09:15:00.123Z").unwrap().to_rfc3339(),
            "2025-01-10T09:15:00.123Z"
        );
    }
}
