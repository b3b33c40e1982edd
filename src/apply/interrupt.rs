//! SIGINT and SIGTERM during an apply (DESIGN.md section 5.11), as the executor sees them.
//!
//! The first signal starts no new step: the steps in flight finish (a disclosed code reaches
//! its file, the state is saved, the journal record written) and the command exits 130 or 143.
//! A second signal stops waiting for steps that are not in a critical section — from the
//! `intent` record of a mutating call until its outcome is in the journal — so lockward exits
//! as soon as every call in flight is recorded, never before. The listener that turns OS
//! signals into [`Interrupt::receive`] lives in the command.

use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::watch;

/// A signal that asks lockward to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// The conventional status of a process stopped by this signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    fn from_code(code: u8) -> Option<Signal> {
        match code {
            130 => Some(Signal::Interrupt),
            143 => Some(Signal::Terminate),
            _ => None,
        }
    }
}

/// The signals received so far.
#[derive(Debug)]
pub struct Interrupt {
    /// The first signal's exit code, 0 before any.
    first: AtomicU8,
    /// How many signals came (at most 2 counted).
    count: watch::Sender<u8>,
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt {
            first: AtomicU8::new(0),
            count: watch::Sender::new(0),
        }
    }
}

impl Interrupt {
    /// Records a signal; returns how many have come (1 for the first).
    pub fn receive(&self, signal: Signal) -> u8 {
        let _ =
            self.first
                .compare_exchange(0, signal.exit_code(), Ordering::SeqCst, Ordering::SeqCst);
        let mut count = 0;
        self.count.send_modify(|c| {
            *c = c.saturating_add(1).min(2);
            count = *c;
        });
        count
    }

    /// The first signal received, if any: what the command's exit status says.
    pub fn first(&self) -> Option<Signal> {
        Signal::from_code(self.first.load(Ordering::SeqCst))
    }

    /// True once any signal came: no new step starts.
    pub fn stopping(&self) -> bool {
        *self.count.borrow() >= 1
    }

    /// Resolves once a second signal came: steps outside a critical section are dropped.
    pub async fn hurried(&self) {
        let mut rx = self.count.subscribe();
        let _ = rx.wait_for(|c| *c >= 2).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_names_the_exit_status_and_the_second_hurries() {
        let i = Interrupt::default();
        assert!(!i.stopping());
        assert_eq!(i.first(), None);
        assert_eq!(i.receive(Signal::Interrupt), 1);
        assert!(i.stopping());
        assert_eq!(i.receive(Signal::Terminate), 2);
        assert_eq!(i.first(), Some(Signal::Interrupt));
        assert_eq!(i.first().map(Signal::exit_code), Some(130));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(i.hurried());
    }
}
