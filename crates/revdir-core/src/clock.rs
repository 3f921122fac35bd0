//! Per-org clocks of the emulator (issue 16, API-CONVENTIONS entry 130): a dev org's time is
//! the system's, frozen at an instant, or the system's plus an offset. Stored with the org,
//! so every node agrees; everything that reads time for an org reads it through its clock.

use crate::error::ValidationError;
use crate::time::Timestamp;

/// The system clock: the one place revdir reads it (clippy's `disallowed-methods` keeps
/// it so). Anything of an org reads the org's time instead (`DevOrgScope::now`).
#[allow(clippy::disallowed_methods)]
pub fn system_now() -> Timestamp {
    Timestamp::now()
}

/// How an org's clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// The system clock.
    System,
    /// Stopped at an instant.
    Frozen,
    /// The system clock plus a fixed offset.
    Offset,
}

impl ClockMode {
    /// The stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockMode::System => "system",
            ClockMode::Frozen => "frozen",
            ClockMode::Offset => "offset",
        }
    }

    /// The mode a stored or requested name names.
    pub fn parse(name: &str) -> Option<Self> {
        [ClockMode::System, ClockMode::Frozen, ClockMode::Offset].into_iter().find(|m| m.as_str() == name)
    }
}

/// An org's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgClock {
    /// How it runs.
    pub mode: ClockMode,
    /// The instant a frozen clock shows.
    pub frozen_at: Option<Timestamp>,
    /// What an offset clock adds to the system clock, in milliseconds.
    pub offset_ms: i64,
}

impl Default for OrgClock {
    fn default() -> Self {
        Self { mode: ClockMode::System, frozen_at: None, offset_ms: 0 }
    }
}

impl OrgClock {
    /// The org's time when the system clock shows `system`.
    pub fn now(&self, system: Timestamp) -> Timestamp {
        match self.mode {
            ClockMode::System => system,
            ClockMode::Frozen => self.frozen_at.unwrap_or(system),
            ClockMode::Offset => Timestamp::from_millis(system.millis().saturating_add(self.offset_ms)),
        }
    }

    /// Applies a `clock.set`: the new mode (the current one when absent), starting from `at`
    /// (else the clock's current time) and moved forward by `advance_seconds`. A frozen clock
    /// stays frozen at the new instant; an offset clock keeps running from it; the system
    /// clock takes neither.
    ///
    /// # Errors
    /// 400 for `at` or `advance_seconds` with the system mode, a negative or non-finite
    /// advance, or a system mode asked to move.
    pub fn set(
        &self,
        mode: Option<ClockMode>,
        at: Option<Timestamp>,
        advance_seconds: Option<f64>,
        system: Timestamp,
    ) -> Result<Self, ValidationError> {
        let moves = at.is_some() || advance_seconds.is_some();
        let mode = match mode {
            Some(m) => m,
            // Moving a system clock without naming a mode makes it an offset clock.
            None if moves && self.mode == ClockMode::System => ClockMode::Offset,
            None => self.mode,
        };
        if mode == ClockMode::System {
            if moves {
                return Err(ValidationError::not_permitted(
                    "mode",
                    "the system clock cannot be moved; use frozen or offset",
                ));
            }
            return Ok(Self::default());
        }
        let advance_ms = match advance_seconds {
            None => 0,
            Some(s) if (0.0..=1.0e12).contains(&s) => (s * 1000.0).round() as i64,
            Some(_) => {
                return Err(ValidationError::not_permitted("advance_seconds", "must be a number of seconds, 0 or more"))
            }
        };
        let from = at.unwrap_or_else(|| self.now(system));
        let target = Timestamp::from_millis(from.millis().saturating_add(advance_ms));
        Ok(match mode {
            ClockMode::Frozen => Self { mode, frozen_at: Some(target), offset_ms: 0 },
            _ => Self { mode, frozen_at: None, offset_ms: target.millis() - system.millis() },
        })
    }
}

/// What the emulator keeps about an org's time: its clock and, for a throwaway org, when it
/// expires (on its own clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrgTime {
    /// The clock.
    pub clock: OrgClock,
    /// When the org and everything in it are deleted.
    pub expires_at: Option<Timestamp>,
}

impl OrgTime {
    /// Whether the org has expired at its own time `now`.
    pub fn expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;

    fn ts(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn frozen_clocks_stay_and_offset_clocks_run() {
        let system = OrgClock::default();
        let frozen = system.set(Some(ClockMode::Frozen), Some(ts(T0)), None, ts(5)).unwrap();
        assert_eq!(frozen.now(ts(99_999)), ts(T0));
        let later = frozen.set(None, None, Some(86_400.0), ts(7)).unwrap();
        assert_eq!((later.mode, later.now(ts(1))), (ClockMode::Frozen, ts(T0 + 86_400_000)));
        let offset = system.set(None, None, Some(60.0), ts(1_000)).unwrap();
        assert_eq!(offset.mode, ClockMode::Offset);
        assert_eq!(offset.now(ts(2_000)), ts(62_000));
        let more = offset.set(None, None, Some(1.5), ts(3_000)).unwrap();
        assert_eq!(more.now(ts(3_000)), ts(64_500));
        assert_eq!(more.set(Some(ClockMode::System), None, None, ts(0)).unwrap(), OrgClock::default());
    }

    #[test]
    fn bad_settings_are_refused() {
        let c = OrgClock::default();
        assert!(c.set(Some(ClockMode::System), None, Some(1.0), ts(0)).is_err());
        assert!(c.set(Some(ClockMode::Frozen), None, Some(-1.0), ts(0)).is_err());
        assert!(c.set(Some(ClockMode::Frozen), None, Some(f64::NAN), ts(0)).is_err());
    }

    #[test]
    fn expiry_is_on_the_orgs_time() {
        let t = OrgTime { clock: OrgClock::default(), expires_at: Some(ts(10)) };
        assert!(!t.expired(ts(9)));
        assert!(t.expired(ts(10)));
    }
}
