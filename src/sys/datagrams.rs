//! Many datagrams per system call: recvmmsg(2) and sendmmsg(2).
//!
//! The UDP proxy moved one datagram per recv and per send, and spent its
//! time in those calls and in waking up (#18). A batch takes what is queued
//! in one call and passes it on in one more.

use std::io;
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
use std::ops::Range;
use std::os::fd::{AsFd, AsRawFd};

use nix::sys::socket::{SockaddrLike, SockaddrStorage};

/// Room for up to `cap` datagrams of up to `slot` bytes each, and where
/// each came from.
pub struct Batch {
    slot: usize,
    data: Vec<u8>,
    lens: Vec<usize>,
    peers: Vec<Option<SocketAddr>>,
    /// The system calls' own arrays, kept so a round allocates nothing;
    /// their pointers are filled in anew by each call.
    names: Vec<libc::sockaddr_storage>,
    iov: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
}

impl Batch {
    /// `slot` must hold the largest datagram (65,535 for UDP): the kernel
    /// cuts what does not fit. The memory is only touched as datagrams
    /// fill it.
    pub fn new(cap: usize, slot: usize) -> Batch {
        Batch {
            slot,
            data: vec![0; cap * slot],
            lens: Vec::with_capacity(cap),
            peers: Vec::with_capacity(cap),
            // SAFETY: sockaddr_storage is plain data; all zeroes is valid.
            names: vec![unsafe { std::mem::zeroed() }; cap],
            iov: Vec::with_capacity(cap),
            hdrs: Vec::with_capacity(cap),
        }
    }

    /// Datagram `i` of the last receive.
    pub fn datagram(&self, i: usize) -> &[u8] {
        &self.data[i * self.slot..i * self.slot + self.lens[i]]
    }

    /// Who sent datagram `i` (None for a family other than IPv4 and IPv6).
    pub fn peer(&self, i: usize) -> Option<SocketAddr> {
        self.peers[i]
    }

    /// Takes what is queued on `sock`, as many datagrams as the batch
    /// holds, without waiting: WouldBlock when nothing is.
    pub fn recv(&mut self, sock: &impl AsFd) -> io::Result<usize> {
        self.lens.clear();
        self.peers.clear();
        self.iov.clear();
        self.iov
            .extend(self.data.chunks_exact_mut(self.slot).map(|s| libc::iovec {
                iov_base: s.as_mut_ptr().cast(),
                iov_len: s.len(),
            }));
        self.hdrs.clear();
        for (v, name) in self.iov.iter_mut().zip(self.names.iter_mut()) {
            self.hdrs.push(header(
                (name as *mut libc::sockaddr_storage).cast(),
                std::mem::size_of::<libc::sockaddr_storage>() as u32,
                v,
            ));
        }
        // SAFETY: every header points into `iov`, `names` and `data` of
        // self, which outlive the call and are not otherwise used during it.
        let n = unsafe {
            libc::recvmmsg(
                sock.as_fd().as_raw_fd(),
                self.hdrs.as_mut_ptr(),
                self.hdrs.len() as u32,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        for h in &self.hdrs[..n as usize] {
            self.lens.push(h.msg_len as usize);
            // SAFETY: the kernel wrote msg_namelen bytes of an address there.
            let peer = unsafe {
                SockaddrStorage::from_raw(
                    h.msg_hdr.msg_name as *const libc::sockaddr,
                    Some(h.msg_hdr.msg_namelen),
                )
            };
            self.peers.push(peer.and_then(|p| socket_addr(&p)));
        }
        Ok(n as usize)
    }

    /// Sends datagrams `range` of the last receive on `sock`, to `to` or,
    /// for None, to the peer it is connected to. Best effort, as one send
    /// per datagram would be: a datagram the kernel refuses (a full buffer,
    /// an ICMP error reported late) is dropped and the rest still go.
    /// Returns how many went.
    pub fn send(&mut self, sock: &impl AsFd, range: Range<usize>, to: Option<SocketAddr>) -> usize {
        let to = to.map(SockaddrStorage::from);
        let (name, namelen) = match &to {
            Some(to) => (to.as_ptr() as *mut libc::c_void, to.len()),
            None => (std::ptr::null_mut(), 0),
        };
        self.iov.clear();
        for i in range {
            let at = i * self.slot;
            self.iov.push(libc::iovec {
                iov_base: self.data[at..at + self.lens[i]].as_mut_ptr().cast(),
                iov_len: self.lens[i],
            });
        }
        self.hdrs.clear();
        for v in self.iov.iter_mut() {
            self.hdrs.push(header(name, namelen, v));
        }
        let hdrs = &mut self.hdrs;
        let (mut at, mut sent) = (0, 0);
        while at < hdrs.len() {
            // SAFETY: the headers point into `iov` and `data` of self and
            // into `to`, which outlive the call; the kernel only reads them.
            let n = unsafe {
                libc::sendmmsg(
                    sock.as_fd().as_raw_fd(),
                    hdrs[at..].as_mut_ptr(),
                    (hdrs.len() - at) as u32,
                    libc::MSG_DONTWAIT,
                )
            };
            match n {
                n if n > 0 => {
                    at += n as usize;
                    sent += n as usize;
                }
                _ if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => {}
                // The first of those left was refused: drop it, go on.
                _ => at += 1,
            }
        }
        sent
    }
}

/// One message of one buffer, to or from `name`.
fn header(name: *mut libc::c_void, namelen: u32, iov: &mut libc::iovec) -> libc::mmsghdr {
    // SAFETY: mmsghdr is plain data; all zeroes is valid, the fields that
    // matter are set below.
    let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
    h.msg_hdr.msg_name = name;
    h.msg_hdr.msg_namelen = namelen;
    h.msg_hdr.msg_iov = iov;
    h.msg_hdr.msg_iovlen = 1;
    h
}

fn socket_addr(s: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = s.as_sockaddr_in() {
        return Some(SocketAddrV4::from(*v4).into());
    }
    s.as_sockaddr_in6().map(|v6| SocketAddrV6::from(*v6).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;

    fn pair() -> (UdpSocket, UdpSocket) {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        a.set_nonblocking(true).unwrap();
        (a, b)
    }

    #[test]
    fn takes_every_queued_datagram_up_to_its_room_with_sizes_and_senders() {
        let (a, b) = pair();
        let c = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = a.local_addr().unwrap();
        b.send_to(b"one", to).unwrap();
        c.send_to(&[7u8; 65_507], to).unwrap();
        b.send_to(b"three", to).unwrap();
        let mut batch = Batch::new(2, 65_535);
        assert_eq!(batch.recv(&a).unwrap(), 2);
        assert_eq!(batch.datagram(0), b"one");
        assert_eq!(batch.peer(0), Some(b.local_addr().unwrap()));
        assert_eq!(batch.datagram(1), &[7u8; 65_507][..]);
        assert_eq!(batch.peer(1), Some(c.local_addr().unwrap()));
        assert_eq!(batch.recv(&a).unwrap(), 1);
        assert_eq!(batch.datagram(0), b"three");
        let empty = batch.recv(&a).unwrap_err();
        assert_eq!(empty.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn sends_a_range_to_an_address_or_to_the_connected_peer() {
        let (a, b) = pair();
        b.set_nonblocking(true).unwrap();
        b.send_to(b"x", a.local_addr().unwrap()).unwrap();
        b.send_to(b"yy", a.local_addr().unwrap()).unwrap();
        b.send_to(b"zzz", a.local_addr().unwrap()).unwrap();
        let mut batch = Batch::new(4, 2048);
        assert_eq!(batch.recv(&a).unwrap(), 3);
        assert_eq!(batch.send(&a, 1..3, Some(b.local_addr().unwrap())), 2);
        let mut buf = [0u8; 16];
        b.set_nonblocking(false).unwrap();
        assert_eq!(b.recv(&mut buf).unwrap(), 2);
        assert_eq!(b.recv(&mut buf).unwrap(), 3);
        let connected = UdpSocket::bind("127.0.0.1:0").unwrap();
        connected.connect(b.local_addr().unwrap()).unwrap();
        assert_eq!(batch.send(&connected, 0..1, None), 1);
        assert_eq!(b.recv(&mut buf).unwrap(), 1);
        assert_eq!(&buf[..1], b"x");
    }

    #[test]
    fn a_refused_datagram_is_dropped_and_the_rest_still_go() {
        // A datagram too big for IPv4 (65,507 bytes of payload at most) is
        // refused with EMSGSIZE every time; only a Unix socket carries one.
        let (from, into) = std::os::unix::net::UnixDatagram::pair().unwrap();
        into.set_nonblocking(true).unwrap();
        from.send(b"ok").unwrap();
        from.send(&[1u8; 70_000]).unwrap();
        from.send(b"also").unwrap();
        let mut batch = Batch::new(3, 70_000);
        assert_eq!(batch.recv(&into).unwrap(), 3);
        assert_eq!(batch.peer(1), None);
        let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        assert_eq!(
            batch.send(&sender, 0..3, Some(sink.local_addr().unwrap())),
            2
        );
        let mut buf = [0u8; 16];
        assert_eq!(sink.recv(&mut buf).unwrap(), 2);
        assert_eq!(sink.recv(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"also");
    }
}
