//! One LDAP connection of the client: requests are encoded into a reused buffer and
//! written in one syscall, answers are framed by their BER length in a reused buffer.

use crate::ber::{self, BerWriter};
use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A TCP connection speaking LDAP, with its message-id counter.
pub struct Conn {
    stream: TcpStream,
    rbuf: Vec<u8>,
    /// Unconsumed bytes are `rbuf[start..end]`.
    start: usize,
    end: usize,
    /// Requests to send; the workloads append to it, `flush` writes and clears it.
    pub out: BerWriter,
    next_id: i32,
}

impl Conn {
    /// Connects with Nagle off (every request is one small write).
    pub async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            rbuf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            out: BerWriter::default(),
            next_id: 0,
        })
    }

    /// A fresh message id (1, 2, ...; wraps before i32 overflows).
    pub fn msgid(&mut self) -> i32 {
        self.next_id = if self.next_id == i32::MAX {
            1
        } else {
            self.next_id + 1
        };
        self.next_id
    }

    /// Writes every request appended to `out` since the last flush.
    pub async fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.stream.write_all(self.out.bytes()).await?;
            self.out.clear();
        }
        Ok(())
    }

    /// The next complete LDAPMessage frame; valid until the next call.
    pub async fn recv(&mut self) -> io::Result<&[u8]> {
        loop {
            let pending = &self.rbuf[self.start..self.end];
            if let Some((head, len)) = ber::header(pending) {
                let total = head + len;
                if total <= pending.len() {
                    let frame = self.start..self.start + total;
                    self.start += total;
                    return Ok(&self.rbuf[frame]);
                }
                if total > self.rbuf.len() {
                    self.rbuf.resize(total.next_power_of_two(), 0);
                }
            }
            self.fill().await?;
        }
    }

    /// Reads more bytes, first moving what is unconsumed to the front if needed.
    async fn fill(&mut self) -> io::Result<()> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.rbuf.len() {
            self.rbuf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.rbuf.len() {
            let grown = self.rbuf.len() * 2;
            self.rbuf.resize(grown, 0);
        }
        let n = self.stream.read(&mut self.rbuf[self.end..]).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        self.end += n;
        Ok(())
    }
}
