//! `sym:flow/log`: log lines from the flow into its run's log (always granted,
//! bounded like stdout).

use crate::bindings::log::{Host, Level};
use crate::instance::HostState;

impl Host for HostState {
    fn write(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        };
        self.log.append(format!("[{level}] {message}\n").as_bytes());
    }
}
