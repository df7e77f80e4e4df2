//! What the generator and the function both read from `content/`: the site configuration,
//! the schedule of the nine stages, the selection criteria, the application form (and its
//! page's view, [`form_view`]), and each language's translation file with the way it writes
//! dates; and what is wrong with any of them, as a [`Message`] that a [`Catalogue`] says in
//! the editor's language.
//!
//! Every parser here takes text and a path (for errors only) and never touches the disk.

mod config;
mod dates;
mod error;
mod folder;
mod form;
mod form_view;
mod front_matter;
mod html;
mod localized;
mod message;
mod period;
mod schedule;
mod selection;
mod translation;

pub use config::{Contact, SiteConfig};
pub use dates::DatePatterns;
pub use error::{line_of_key, with_causes, ContentError};
pub use folder::{read_content_file, read_translations};
pub use form::{Field, FieldKind, Form, Section};
pub use form_view::{form_view, FieldView, FormSectionView, FormView};
pub use front_matter::FrontMatter;
pub use html::escape_html;
pub use localized::Localized;
pub use message::{Catalogue, Entry, Message};
pub use period::{Period, PeriodError, Status, YearMonth};
pub use schedule::{Deadline, Event, Schedule, Stage};
pub use selection::{Criterion, Member, Quota, Quotas, Selection, COMMISSION_TEXT_KEYS};
pub use translation::{check_complete, Translation};
