//! Bounded capture of a flow's stdout and stderr into the run's log.
//!
//! A flow that prints in a loop must not eat the host's memory, and must not
//! crash because of it either: the first `capacity` bytes are kept, the rest are
//! counted and dropped, and the guest always sees a successful write.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

#[derive(Default)]
struct Buffer {
    kept: Vec<u8>,
    dropped: u64,
}

/// A cloneable handle on one bounded output buffer.
#[derive(Clone)]
pub(crate) struct BoundedOutput {
    capacity: usize,
    buffer: Arc<Mutex<Buffer>>,
}

impl BoundedOutput {
    pub(crate) fn new(capacity: usize) -> Self {
        BoundedOutput {
            capacity,
            buffer: Arc::default(),
        }
    }

    pub(crate) fn append(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let room = self.capacity.saturating_sub(buffer.kept.len());
        let take = room.min(bytes.len());
        buffer.kept.extend_from_slice(&bytes[..take]);
        buffer.dropped += (bytes.len() - take) as u64;
    }

    /// The text kept so far and how many bytes were dropped past the bound.
    pub(crate) fn snapshot(&self) -> (String, u64) {
        let buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        (
            String::from_utf8_lossy(&buffer.kept).into_owned(),
            buffer.dropped,
        )
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for BoundedOutput {
    async fn ready(&mut self) {}
}

#[wasmtime_wasi::async_trait]
impl OutputStream for BoundedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always writable: bytes past the bound are dropped, not refused.
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for BoundedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for BoundedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for BoundedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}
