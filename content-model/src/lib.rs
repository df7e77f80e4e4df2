//! What the generator and the function both read from `content/`: the site configuration,
//! the schedule of the nine stages, the selection criteria and the application form.
//!
//! Every parser here takes text and a path (for errors only) and never touches the disk.

mod config;
mod error;
mod form;
mod localized;
mod period;
mod schedule;
mod selection;

pub use config::{Contact, SiteConfig};
pub use error::{line_of_key, ContentError};
pub use form::{Field, FieldKind, Form, Section};
pub use localized::Localized;
pub use period::{Period, PeriodError, Status, YearMonth};
pub use schedule::{Deadline, Event, Schedule, Stage};
pub use selection::{Criterion, Selection};
