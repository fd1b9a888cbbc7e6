//! A folder of 1,000 small files and one 2 GiB file downloads as a ZIP while the
//! server's memory stays flat: the archive streams chunk by chunk.

use crate::support::{process_with_user, Client};
use frontend::api::types::{ChunkAnnouncement, FolderListing, UploadInit, UploadInitResponse};
use futures::StreamExt;
use reqwest::Method;
use std::io::{Read, Write};
use wasm_chunker::{ChunkParams, Chunker};

const MIB: u64 = 1024 * 1024;

/// Pseudo-random bytes that can be produced from any offset, so 2 GiB need never be
/// held: byte `i` comes from a SplitMix64 of `i / 8`.
fn bytes_at(start: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut word = start / 8;
    let skip = (start % 8) as usize;
    while out.len() < len + skip {
        let mut z = word.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
        word += 1;
    }
    out.drain(..skip);
    out.truncate(len);
    out
}

/// Uploads the generated file of `size` bytes in packed requests, never holding it.
async fn upload_generated(client: &Client, path: &str, size: u64) {
    let params = ChunkParams::default();
    let mut chunker = Chunker::new(params).unwrap();
    let mut chunks = Vec::new();
    let piece = 8 * MIB;
    let mut at = 0;
    while at < size {
        let len = piece.min(size - at);
        chunks.extend(chunker.push(&bytes_at(at, len as usize)));
        at += len;
    }
    let (rest, hash) = chunker.finish();
    chunks.extend(rest);
    let init: UploadInitResponse = client
        .json(
            Method::POST,
            "/api/v1/files/upload/init",
            &UploadInit {
                path: path.into(),
                size,
                parent_rev: None,
                file_id: None,
                device: None,
                chunks: chunks.iter().map(ChunkAnnouncement::from).collect(),
            },
        )
        .await
        .unwrap();
    for pack in init.chunks_needed.chunks(8) {
        let first = chunks[pack[0] as usize];
        let last = chunks[pack[pack.len() - 1] as usize];
        let end = last.offset + u64::from(last.len);
        let list: Vec<String> = pack.iter().map(u64::to_string).collect();
        let response = client
            .request(
                Method::PUT,
                &format!(
                    "/api/v1/files/upload/{}/chunks?indexes={}",
                    init.upload_id,
                    list.join(",")
                ),
            )
            .body(bytes_at(first.offset, (end - first.offset) as usize))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    client
        .complete(&init.upload_id, &hex::encode(hash))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_folder_with_a_2_gib_file_streams_as_a_zip_with_flat_server_memory() {
    let size: u64 = std::env::var("CAIRN_TEST_BIG_FILE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048)
        * MIB;
    let data_dir = tempfile::tempdir().unwrap();
    let (server, alice, _database) = process_with_user(data_dir.path()).await;

    upload_generated(&alice, "/Archive/big.bin", size).await;
    for i in 0..1000 {
        let response = alice
            .post_file(
                &format!("/Archive/small/{i:04}.txt"),
                format!("file {i}").into_bytes(),
            )
            .await;
        assert!(response.status().is_success());
    }
    let before = server.peak_rss_mib();

    let archive: FolderListing = alice.get("/api/v1/files?path=/Archive").await.unwrap();
    let response = alice.download(&archive.folder.id).await;
    assert!(response.status().is_success());
    let zip_path = data_dir.path().join("download.zip");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&zip_path).unwrap());
    let mut body = response.bytes_stream();
    let mut received = 0u64;
    while let Some(piece) = body.next().await {
        let piece = piece.unwrap();
        received += piece.len() as u64;
        out.write_all(&piece).unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let after = server.peak_rss_mib();
    assert!(received > size, "the archive holds the big file");
    // Streaming holds a few chunks (4 MiB each) in the channel, the read-ahead and the
    // socket; buffering the archive would grow memory by its size.
    assert!(
        after - before < 128.0,
        "server peak memory grew by {:.0} MiB while streaming a {} MiB archive",
        after - before,
        received / MIB
    );

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    assert_eq!(
        zip.len(),
        1 + 1 + 1000 + 1,
        "Archive/, small/, 1,000 files, big.bin"
    );
    for i in [0, 499, 999] {
        let mut content = String::new();
        zip.by_name(&format!("Archive/small/{i:04}.txt"))
            .unwrap()
            .read_to_string(&mut content)
            .unwrap();
        assert_eq!(content, format!("file {i}"));
    }
    // The big entry, compared piece by piece (its CRC-32 is checked by the reader).
    let mut big = zip.by_name("Archive/big.bin").unwrap();
    assert_eq!(big.size(), size);
    let mut at = 0u64;
    let mut buffer = vec![0u8; 8 * MIB as usize];
    loop {
        let n = big.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        assert!(
            buffer[..n] == bytes_at(at, n)[..],
            "big.bin differs at {at}"
        );
        at += n as u64;
    }
    assert_eq!(at, size);
}
