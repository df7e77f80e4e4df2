//! SES through moto.
