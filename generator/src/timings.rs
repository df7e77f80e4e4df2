//! Where a build spends its time, printed to standard error when `MEKTEP_TIMINGS` is set
//! (`MEKTEP_TIMINGS=1 generator build …`): one line per step, with the time since the step
//! before and the time since the build started. The benchmarks print these lines; nothing
//! else reads them.

use std::time::Instant;

pub(crate) struct Timings {
    started: Instant,
    last: Instant,
    on: bool,
}

impl Timings {
    pub(crate) fn start() -> Self {
        let now = Instant::now();
        Self { started: now, last: now, on: std::env::var_os("MEKTEP_TIMINGS").is_some() }
    }

    /// Marks the end of step `step`.
    pub(crate) fn step(&mut self, step: &str) {
        if self.on {
            let now = Instant::now();
            eprintln!(
                "timing: {step:<28} {:>8.3} s  (at {:.3} s)",
                (now - self.last).as_secs_f64(),
                (now - self.started).as_secs_f64()
            );
            self.last = now;
        }
    }
}
