//! Progress on a terminal: one bar that imports (`linchpin_store::import::Progress`) and analyses
//! (`linchpin_graph::Observer`) both drive. indicatif draws only when stderr is a terminal; every
//! stage is also logged, so a run in a batch job says where it is.
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use linchpin_graph::{Observer, Step};
use linchpin_store::import::Progress;

/// A progress bar for long commands.
#[derive(Debug, Default)]
pub struct Bar(Mutex<Option<ProgressBar>>);

impl Bar {
    /// A bar that shows nothing until a stage starts.
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&self, name: &str, total: u64, unit: &str) {
        if let Ok(mut slot) = self.0.lock() {
            if let Some(old) = slot.take() {
                old.finish_and_clear();
            }
            let bar = ProgressBar::new(total);
            let template = format!("{{msg:>14}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(name.to_owned());
            *slot = Some(bar);
        }
    }

    fn inc(&self, n: u64) {
        if let Ok(slot) = self.0.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(n);
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Ok(mut slot) = self.0.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }

    /// Reports rows read so far from a file (for readers that cannot know the total).
    pub fn rows_read(&self, file: &str, rows: u64) {
        tracing::debug!(file, rows, "reading");
        if let Ok(mut slot) = self.0.lock() {
            let bar = slot.get_or_insert_with(|| {
                let bar = ProgressBar::new_spinner();
                if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                    bar.set_style(style);
                }
                bar
            });
            bar.set_message(format!("reading {file}: {rows} rows"));
            bar.tick();
        }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        tracing::info!(stage = name, rows = total, "writing");
        self.start(name, total, "rows");
    }

    fn advance(&self, n: u64) {
        self.inc(n);
    }
}

impl Observer for Bar {
    fn started(&self, step: Step, work: u64) {
        tracing::info!(step = step.name(), "analysis step started");
        if step == Step::Esri {
            self.start(step.name(), work, "firms");
        }
    }

    fn advanced(&self, step: Step, done: u64) {
        if step == Step::Esri {
            self.inc(done);
        }
    }

    fn finished(&self, step: Step, seconds: f64) {
        tracing::info!(step = step.name(), seconds, "analysis step finished");
        if step == Step::Esri {
            self.finish();
        }
    }
}
