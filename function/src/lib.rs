//! The application intake. For now: whether the intake is open, from the schedule's
//! deadline, which the generator's form page and the Lambda handler must agree on.

use chrono::{DateTime, FixedOffset};
use content_model::Schedule;

/// Whether applications are still accepted at `now`: until the deadline, exclusive.
/// A schedule without a deadline never closes.
pub fn intake_open(schedule: &Schedule, now: DateTime<FixedOffset>) -> bool {
    schedule
        .deadline
        .as_ref()
        .is_none_or(|deadline| now < deadline.at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn schedule() -> Schedule {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/schedule.toml");
        let text = std::fs::read_to_string(&file).unwrap();
        Schedule::parse(&file, &text, &["ky".into(), "ru".into()]).unwrap()
    }

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn intake_closes_at_five_in_bishkek_on_the_eleventh() {
        let schedule = schedule();
        assert!(intake_open(&schedule, at("2020-12-11T16:59:59+06:00")));
        // 11:00 UTC is 17:00 in Bishkek.
        assert!(!intake_open(&schedule, at("2020-12-11T11:00:00Z")));
        assert!(intake_open(&schedule, at("2020-11-09T09:00:00+06:00")));
    }
}
