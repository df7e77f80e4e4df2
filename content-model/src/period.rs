use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};

use crate::Message;

/// When something happens: a day, a run of days, a month or a run of months.
///
/// Written in content as `2021-03-04`, `2021-01-25/2021-01-29`, `2021-04` or `2021-05/2021-08`:
/// the source gives some dates to the day and others only to the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day(NaiveDate),
    Days(NaiveDate, NaiveDate),
    Month(YearMonth),
    Months(YearMonth, YearMonth),
}

/// A calendar month. Made only through [`YearMonth::new`] (or parsing), so it always has a
/// first day and a month after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    /// Its first day, which carries the year and the month.
    first: NaiveDate,
}

impl YearMonth {
    /// Month `month` (1–12) of `year`, when the calendar has it.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|first| Self { first })
    }

    pub fn year(self) -> i32 {
        self.first.year()
    }

    /// 1–12.
    pub fn month(self) -> u32 {
        self.first.month()
    }

    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// The month after this one; the same month at the calendar's very end.
    pub fn next(self) -> YearMonth {
        self.first.checked_add_months(chrono::Months::new(1)).map_or(self, |first| Self { first })
    }
}

/// Where a period stands relative to a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Upcoming,
    UnderWay,
    Finished,
}

impl Status {
    /// A stable name for templates, CSS classes and translation keys.
    pub fn key(self) -> &'static str {
        match self {
            Status::Upcoming => "upcoming",
            Status::UnderWay => "under_way",
            Status::Finished => "finished",
        }
    }
}

impl Period {
    /// The first day of the period.
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            Period::Day(day) | Period::Days(day, _) => day,
            Period::Month(month) | Period::Months(month, _) => month.first_day(),
        }
    }

    /// The day after the period ends (calendar `DTEND` for all-day events is exclusive too).
    // Periods are parsed from four-digit years, far from chrono's last day.
    #[allow(clippy::expect_used)]
    pub fn end_exclusive(&self) -> NaiveDate {
        match *self {
            Period::Day(day) | Period::Days(_, day) => day.succ_opt().expect("date in range"),
            Period::Month(month) | Period::Months(_, month) => month.next().first_day(),
        }
    }

    /// Upcoming before the first day begins, finished once the last day is over,
    /// both in the programme's time zone.
    // Midnight exists on every day, and a fixed offset maps every local time to one instant.
    #[allow(clippy::expect_used)]
    pub fn status(&self, now: DateTime<FixedOffset>, zone: FixedOffset) -> Status {
        let midnight = |day: NaiveDate| {
            zone.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
                .single()
                .expect("fixed offsets are unambiguous")
        };
        if now < midnight(self.first_day()) {
            Status::Upcoming
        } else if now < midnight(self.end_exclusive()) {
            Status::UnderWay
        } else {
            Status::Finished
        }
    }
}

/// Why a period could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError(Message);

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PeriodError {
    /// What is wrong, for an editor.
    pub fn message(&self) -> &Message {
        &self.0
    }
}

impl std::error::Error for PeriodError {}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || PeriodError(Message::NotAPeriod { text: text.to_string() });
        let (start, end) = match text.split_once('/') {
            Some((start, end)) => (start.trim(), Some(end.trim())),
            None => (text.trim(), None),
        };
        let period = match (start.len(), end.map(str::len)) {
            (10, None) => Period::Day(parse_day(start).ok_or_else(error)?),
            (10, Some(10)) => {
                let (first, last) =
                    (parse_day(start).ok_or_else(error)?, parse_day(end.unwrap_or_default()).ok_or_else(error)?);
                if last <= first {
                    return Err(PeriodError(Message::DaysBackwards { text: text.to_string() }));
                }
                Period::Days(first, last)
            }
            (7, None) => Period::Month(parse_month(start).ok_or_else(error)?),
            (7, Some(7)) => {
                let (first, last) =
                    (parse_month(start).ok_or_else(error)?, parse_month(end.unwrap_or_default()).ok_or_else(error)?);
                if last <= first {
                    return Err(PeriodError(Message::MonthsBackwards { text: text.to_string() }));
                }
                Period::Months(first, last)
            }
            _ => return Err(error()),
        };
        Ok(period)
    }
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn parse_month(text: &str) -> Option<YearMonth> {
    let day = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()?;
    YearMonth::new(day.year(), day.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_exists_only_in_the_calendar() {
        assert_eq!(YearMonth::new(2021, 13), None);
        assert_eq!(YearMonth::new(2021, 0), None);
        assert_eq!("2021-13".parse::<Period>().ok(), None, "month 13 is refused when read");
        let december = YearMonth::new(2020, 12).unwrap();
        assert_eq!(december.next(), YearMonth::new(2021, 1).unwrap());
        assert_eq!(december.first_day(), NaiveDate::from_ymd_opt(2020, 12, 1).unwrap());
    }

    fn bishkek() -> FixedOffset {
        FixedOffset::east_opt(6 * 3600).unwrap()
    }

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn reads_every_shape_of_period() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!("2021-03-04".parse(), Ok(Period::Day(day(2021, 3, 4))));
        assert_eq!("2021-01-25/2021-01-29".parse(), Ok(Period::Days(day(2021, 1, 25), day(2021, 1, 29))));
        assert_eq!("2021-04".parse(), Ok(Period::Month(YearMonth::new(2021, 4).unwrap())));
        assert_eq!(
            "2021-05/2021-08".parse(),
            Ok(Period::Months(YearMonth::new(2021, 5).unwrap(), YearMonth::new(2021, 8).unwrap()))
        );
    }

    #[test]
    fn rejects_nonsense_and_backwards_periods() {
        assert!("2021-13".parse::<Period>().is_err());
        assert!("April 2021".parse::<Period>().is_err());
        let backwards = "2021-01-29/2021-01-25".parse::<Period>().unwrap_err();
        assert!(backwards.to_string().contains("ends before"), "{backwards}");
    }

    #[test]
    fn month_periods_end_with_the_month() {
        let april: Period = "2021-04".parse().unwrap();
        assert_eq!(april.end_exclusive(), NaiveDate::from_ymd_opt(2021, 5, 1).unwrap());
        let winter: Period = "2020-12/2021-01".parse().unwrap();
        assert_eq!(winter.end_exclusive(), NaiveDate::from_ymd_opt(2021, 2, 1).unwrap());
    }

    #[test]
    fn status_follows_bishkek_midnight() {
        let school: Period = "2021-01-25/2021-01-29".parse().unwrap();
        // 23:59 on the 24th in Bishkek is still before the School.
        assert_eq!(school.status(at("2021-01-24T23:59:00+06:00"), bishkek()), Status::Upcoming);
        // 18:30 UTC on the 24th is 00:30 on the 25th in Bishkek.
        assert_eq!(school.status(at("2021-01-24T18:30:00Z"), bishkek()), Status::UnderWay);
        assert_eq!(school.status(at("2021-01-29T23:59:59+06:00"), bishkek()), Status::UnderWay);
        assert_eq!(school.status(at("2021-01-30T00:00:00+06:00"), bishkek()), Status::Finished);
    }
}
