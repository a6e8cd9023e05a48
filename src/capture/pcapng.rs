//! pcapng files: one interface description per interface (its label as
//! if_name, what it is as if_description, nanosecond timestamps), then the
//! packets. Wireshark and tshark show the labels as interface names.

use super::lab::Iface;
use super::Seen;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::DataLink;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter};

pub struct Writer {
    inner: PcapNgWriter<BufWriter<File>>,
    snaplen: usize,
}

fn io_err(e: pcap_file::PcapError) -> io::Error {
    match e {
        pcap_file::PcapError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

impl Writer {
    pub fn new(file: File, ifaces: &[Iface], snaplen: usize) -> io::Result<Writer> {
        let inner = PcapNgWriter::new(BufWriter::with_capacity(1 << 20, file)).map_err(io_err)?;
        let mut w = Writer { inner, snaplen };
        for i in ifaces {
            w.interface(i)?;
        }
        Ok(w)
    }

    /// Describes the next interface. pcapng allows this after packets:
    /// an interface that appears during the capture is described then.
    pub fn interface(&mut self, i: &Iface) -> io::Result<()> {
        {
            let snaplen = self.snaplen;
            let idb = InterfaceDescriptionBlock {
                linktype: DataLink::ETHERNET,
                snaplen: snaplen as u32,
                options: vec![
                    InterfaceDescriptionOption::IfName(Cow::Owned(i.label.clone())),
                    InterfaceDescriptionOption::IfDescription(Cow::Owned(i.description())),
                    // pcap-file writes timestamps in nanoseconds.
                    InterfaceDescriptionOption::IfTsResol(9),
                ],
            };
            self.inner.write_pcapng_block(idb).map_err(io_err)?;
        }
        Ok(())
    }

    pub fn packet(&mut self, s: &Seen) -> io::Result<()> {
        let epb = EnhancedPacketBlock {
            interface_id: s.iface as u32,
            timestamp: s.time,
            original_len: s.orig_len as u32,
            data: Cow::Borrowed(&s.data),
            // epb_flags bits 0-1: 1 inbound, 2 outbound.
            options: vec![EnhancedPacketOption::Flags(if s.outgoing { 2 } else { 1 })],
        };
        self.inner.write_pcapng_block(epb).map_err(io_err)?;
        Ok(())
    }

    pub fn finish(self) -> io::Result<()> {
        use std::io::Write;
        self.inner.into_inner().flush()
    }
}

/// Reads a file this writer made: interfaces' names and the packets.
pub fn read(path: &std::path::Path) -> io::Result<(Vec<String>, Vec<Seen>)> {
    use pcap_file::pcapng::{Block, PcapNgReader};
    let mut r = PcapNgReader::new(io::BufReader::new(File::open(path)?)).map_err(io_err)?;
    let (mut names, mut seen) = (Vec::new(), Vec::new());
    while let Some(b) = r.next_block() {
        match b.map_err(io_err)? {
            Block::InterfaceDescription(idb) => names.push(
                idb.options
                    .iter()
                    .find_map(|o| match o {
                        InterfaceDescriptionOption::IfName(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .unwrap_or_default(),
            ),
            Block::EnhancedPacket(p) => seen.push(Seen {
                iface: p.interface_id as usize,
                outgoing: p
                    .options
                    .iter()
                    .any(|o| matches!(o, EnhancedPacketOption::Flags(f) if f & 3 == 2)),
                time: p.timestamp,
                orig_len: p.original_len as usize,
                data: p.data.into_owned(),
            }),
            _ => {}
        }
    }
    Ok((names, seen))
}
