//! The server's connections: at most a fixed number open at once, and each closed once it has
//! been idle (nothing read or written) for a while, so that silent clients cannot hold
//! sockets, and a shutdown is not kept waiting by them.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// A TCP listener that accepts a connection only when one of `max_connections` slots is free
/// (the others wait in the kernel's backlog) and gives each connection an idle timeout.
pub struct GuardedListener {
    inner: TcpListener,
    slots: Arc<Semaphore>,
    idle: Duration,
}

impl GuardedListener {
    /// Wraps `inner`.
    pub fn new(inner: TcpListener, max_connections: usize, idle: Duration) -> Self {
        GuardedListener { inner, slots: Arc::new(Semaphore::new(max_connections.max(1))), idle }
    }
}

impl Listener for GuardedListener {
    type Io = GuardedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let slot = self.slots.clone().acquire_owned().await.expect("the semaphore is never closed");
        // axum's own accept loop, which logs and backs off on errors such as EMFILE.
        let (stream, address) = Listener::accept(&mut self.inner).await;
        // Small JSON answers on keep-alive connections otherwise wait for the peer's delayed ACK.
        let _ = stream.set_nodelay(true);
        (GuardedStream::new(stream, slot, self.idle), address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The peer of a connection accepted by [`GuardedListener`], as `ConnectInfo<PeerAddr>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, GuardedListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, GuardedListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// A connection that fails with `TimedOut` once nothing has been read or written for its idle
/// time, and frees its slot when dropped.
pub struct GuardedStream {
    stream: TcpStream,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    _slot: OwnedSemaphorePermit,
}

impl GuardedStream {
    fn new(stream: TcpStream, slot: OwnedSemaphorePermit, idle: Duration) -> Self {
        GuardedStream { stream, idle, deadline: Box::pin(tokio::time::sleep(idle)), _slot: slot }
    }

    fn touch(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    /// After the inner stream answered `Pending`: an error if the idle time has run out.
    fn check_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, "connection idle for too long")),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.touch();
                Poll::Ready(result)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, data) {
            Poll::Ready(result) => {
                this.touch();
                Poll::Ready(result)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                this.touch();
                Poll::Ready(result)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// One read from `stream`: the bytes read, or the error.
    async fn read(stream: &mut GuardedStream) -> io::Result<Vec<u8>> {
        let mut buf = [0u8; 16];
        let mut buf = ReadBuf::new(&mut buf);
        std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_read(cx, &mut buf)).await?;
        Ok(buf.filled().to_vec())
    }

    #[tokio::test]
    async fn connections_are_capped_and_idle_ones_are_closed() {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = tcp.local_addr().unwrap();
        let mut listener = GuardedListener::new(tcp, 1, Duration::from_millis(200));

        let mut first = std::net::TcpStream::connect(address).unwrap();
        let (mut accepted, _) = listener.accept().await;
        let _second = std::net::TcpStream::connect(address).unwrap();
        // The second connection waits in the backlog while the first holds the only slot.
        assert!(tokio::time::timeout(Duration::from_millis(100), listener.accept()).await.is_err());

        // Activity keeps the first alive; silence closes it.
        first.write_all(b"ping").unwrap();
        assert_eq!(read(&mut accepted).await.unwrap(), b"ping");
        let err = read(&mut accepted).await.expect_err("idle");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(accepted);

        // Its slot is free again: the waiting connection is accepted.
        assert!(tokio::time::timeout(Duration::from_secs(5), listener.accept()).await.is_ok());
    }
}
