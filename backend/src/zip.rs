//! A streaming ZIP writer for folder downloads: entries are stored (not compressed),
//! written one after another as their bytes arrive, so a folder of any size streams
//! with memory for one chunk at a time and no temporary file.
//!
//! Every entry uses ZIP64 fields and a data descriptor (sizes and CRC-32 follow the
//! data), which lets entries of any size be written before their size is known to
//! the reader; `unzip`, Python's `zipfile`, and the archive tools of the common
//! desktops read such archives. This module only builds bytes; it does no IO.

/// Header signatures and constants of the ZIP format (APPNOTE 6.3).
const LOCAL_HEADER: u32 = 0x0403_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const ZIP64_END: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const END: u32 = 0x0605_4b50;
/// Version 4.5: ZIP64.
const VERSION: u16 = 45;
/// Made on Unix, so external attributes carry permission bits.
const MADE_BY: u16 = (3 << 8) | VERSION;
/// Bit 3: sizes in the data descriptor; bit 11: names are UTF-8.
const FLAGS: u16 = (1 << 3) | (1 << 11);
const ZIP64_EXTRA: u16 = 0x0001;

/// A name longer than a ZIP header can hold (65,535 bytes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a name of {0} bytes is longer than a ZIP archive can hold (65,535)")]
pub struct NameTooLong(pub usize);

/// One finished entry, remembered for the central directory.
#[derive(Debug, Clone)]
struct Written {
    name: Vec<u8>,
    is_folder: bool,
    crc: u32,
    size: u64,
    offset: u64,
    dos_time: u16,
    dos_date: u16,
}

/// Builds an archive entry by entry: call [`ZipWriter::begin`], then
/// [`ZipWriter::data`] for each piece of the entry's bytes, [`ZipWriter::end`], and
/// finally [`ZipWriter::finish`]. Each call returns the bytes to send next.
#[derive(Debug, Default)]
pub struct ZipWriter {
    written: Vec<Written>,
    offset: u64,
    current: Option<Written>,
    hasher: crc32fast::Hasher,
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Unix milliseconds → MS-DOS time and date (local time is unknown: UTC is used;
/// the format cannot hold years before 1980).
fn dos_time_date(unix_ms: i64) -> (u16, u16) {
    let secs = unix_ms.div_euclid(1000).max(315_532_800); // 1980-01-01
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = frontend::format::civil_from_days(secs.div_euclid(86_400));
    let (month, day) = (i64::from(month), i64::from(day));
    let year = year.min(2107);
    let time = ((rem / 3600) << 11) | (((rem % 3600) / 60) << 5) | ((rem % 60) / 2);
    let date = ((year - 1980) << 9) | (month << 5) | day;
    (time as u16, date as u16)
}

impl ZipWriter {
    /// A new, empty archive.
    pub fn new() -> ZipWriter {
        ZipWriter::default()
    }

    /// Starts an entry; `name` is its path inside the archive, folders ending in `/`.
    /// A name too long for the format is refused, and nothing is written.
    pub fn begin(
        &mut self,
        name: &str,
        is_folder: bool,
        modified_ms: i64,
    ) -> Result<Vec<u8>, NameTooLong> {
        let name_len = u16::try_from(name.len()).map_err(|_| NameTooLong(name.len()))?;
        let (dos_time, dos_date) = dos_time_date(modified_ms);
        let name = name.as_bytes().to_vec();
        let mut out = Vec::with_capacity(30 + name.len() + 20);
        put32(&mut out, LOCAL_HEADER);
        put16(&mut out, VERSION);
        put16(&mut out, FLAGS);
        put16(&mut out, 0); // stored
        put16(&mut out, dos_time);
        put16(&mut out, dos_date);
        put32(&mut out, 0); // CRC-32: in the data descriptor
        put32(&mut out, u32::MAX); // sizes: in the ZIP64 extra field / descriptor
        put32(&mut out, u32::MAX);
        put16(&mut out, name_len);
        put16(&mut out, 20);
        out.extend_from_slice(&name);
        put16(&mut out, ZIP64_EXTRA);
        put16(&mut out, 16);
        put64(&mut out, 0);
        put64(&mut out, 0);
        self.current = Some(Written {
            name,
            is_folder,
            crc: 0,
            size: 0,
            offset: self.offset,
            dos_time,
            dos_date,
        });
        self.hasher = crc32fast::Hasher::new();
        self.offset += out.len() as u64;
        Ok(out)
    }

    /// Accounts for a piece of the current entry's bytes (sent as they are).
    pub fn data(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        if let Some(current) = &mut self.current {
            current.size += bytes.len() as u64;
        }
        self.offset += bytes.len() as u64;
    }

    /// Ends the current entry: its data descriptor.
    pub fn end(&mut self) -> Vec<u8> {
        let Some(mut current) = self.current.take() else {
            return Vec::new();
        };
        current.crc = std::mem::take(&mut self.hasher).finalize();
        let mut out = Vec::with_capacity(24);
        put32(&mut out, DATA_DESCRIPTOR);
        put32(&mut out, current.crc);
        put64(&mut out, current.size);
        put64(&mut out, current.size);
        self.offset += out.len() as u64;
        self.written.push(current);
        out
    }

    /// The central directory and end records: the archive's last bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let mut out = self.end();
        let directory_start = self.offset;
        let mut directory = Vec::new();
        for entry in &self.written {
            put32(&mut directory, CENTRAL_HEADER);
            put16(&mut directory, MADE_BY);
            put16(&mut directory, VERSION);
            put16(&mut directory, FLAGS);
            put16(&mut directory, 0);
            put16(&mut directory, entry.dos_time);
            put16(&mut directory, entry.dos_date);
            put32(&mut directory, entry.crc);
            put32(&mut directory, u32::MAX);
            put32(&mut directory, u32::MAX);
            // `begin` refused any name whose length does not fit.
            put16(
                &mut directory,
                u16::try_from(entry.name.len()).unwrap_or(u16::MAX),
            );
            put16(&mut directory, 28);
            put16(&mut directory, 0); // comment
            put16(&mut directory, 0); // disk
            put16(&mut directory, 0); // internal attributes
            let mode: u32 = if entry.is_folder {
                0o040_755
            } else {
                0o100_644
            };
            let dos_attributes: u32 = if entry.is_folder { 0x10 } else { 0 };
            put32(&mut directory, (mode << 16) | dos_attributes);
            put32(&mut directory, u32::MAX);
            directory.extend_from_slice(&entry.name);
            put16(&mut directory, ZIP64_EXTRA);
            put16(&mut directory, 24);
            put64(&mut directory, entry.size);
            put64(&mut directory, entry.size);
            put64(&mut directory, entry.offset);
        }
        let directory_size = directory.len() as u64;
        out.extend_from_slice(&directory);
        let zip64_end_offset = directory_start + directory_size;
        let count = self.written.len() as u64;
        put32(&mut out, ZIP64_END);
        put64(&mut out, 44);
        put16(&mut out, MADE_BY);
        put16(&mut out, VERSION);
        put32(&mut out, 0);
        put32(&mut out, 0);
        put64(&mut out, count);
        put64(&mut out, count);
        put64(&mut out, directory_size);
        put64(&mut out, directory_start);
        put32(&mut out, ZIP64_LOCATOR);
        put32(&mut out, 0);
        put64(&mut out, zip64_end_offset);
        put32(&mut out, 1);
        put32(&mut out, END);
        put16(&mut out, 0);
        put16(&mut out, 0);
        put16(&mut out, u16::MAX);
        put16(&mut out, u16::MAX);
        put32(&mut out, u32::MAX);
        put32(&mut out, u32::MAX);
        put16(&mut out, 0);
        self.written.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Read;

    #[test]
    fn archives_read_back_with_a_standard_reader() {
        let mut zip = ZipWriter::new();
        let mut archive = Vec::new();
        let files: [(&str, &[u8]); 3] = [
            ("docs/", b""),
            ("docs/a.txt", b"hello, zip"),
            ("ünïcødé.bin", &[0u8, 1, 2, 3, 255]),
        ];
        for (name, bytes) in files {
            archive.extend(
                zip.begin(name, name.ends_with('/'), 1_795_613_700_000)
                    .unwrap(),
            );
            // Data arrives in pieces of any size.
            for piece in bytes.chunks(3) {
                zip.data(piece);
                archive.extend_from_slice(piece);
            }
            archive.extend(zip.end());
        }
        archive.extend(zip.finish());

        let mut reader = ::zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
        assert_eq!(reader.len(), 3);
        for (name, bytes) in files {
            let mut entry = reader.by_name(name).unwrap();
            assert_eq!(entry.is_dir(), name.ends_with('/'), "{name}");
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            assert_eq!(content, bytes, "{name}");
        }
    }

    #[test]
    fn a_name_too_long_for_the_format_is_refused() {
        let mut zip = ZipWriter::new();
        let longest = "n".repeat(usize::from(u16::MAX));
        let mut archive = zip.begin(&longest, false, 0).unwrap();
        archive.extend(zip.end());
        let too_long = "n".repeat(usize::from(u16::MAX) + 1);
        assert_eq!(
            zip.begin(&too_long, false, 0),
            Err(NameTooLong(too_long.len()))
        );
        archive.extend(zip.finish());
        // The archive holds the entry that fit, and nothing of the refused one.
        let mut reader = ::zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
        assert_eq!(reader.len(), 1);
        assert_eq!(reader.by_index(0).unwrap().name(), longest);
    }

    #[test]
    fn dos_times() {
        // 2026-11-25 13:35:00 UTC.
        let (time, date) = dos_time_date(1_795_613_700_000);
        assert_eq!((time >> 11, (time >> 5) & 63, (time & 31) * 2), (13, 35, 0));
        assert_eq!(
            ((date >> 9) + 1980, (date >> 5) & 15, date & 31),
            (2026, 11, 25)
        );
        assert_eq!(
            dos_time_date(0),
            dos_time_date(315_532_800_000),
            "clamped to 1980"
        );
    }
}
