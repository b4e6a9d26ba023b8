//! Hostile spreadsheets against the running server: a workbook of 1.5 KB
//! declaring a trillion texts, a gigabyte string packed in a megabyte, a
//! sheet of empty cells unpacking to gigabytes, a ZIP bomb. Each is refused
//! with 422 naming its problem (in Vietnamese on the page) and `/healthz`
//! answers while they are read. The files are built here, as in the unit
//! tests of src/sheets/xlsx.rs; .ci/hostile_files.sh measures memory.

use std::time::{Duration, Instant};

use awc::http::StatusCode;
use miniz_oxide::deflate::core::{CompressorOxide, create_comp_flags_from_zip_params};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::{MZFlush, MZStatus};
use serde_json::Value;

use crate::helpers::{Part, TestApp, multipart_body};

/// A raw deflate stream of `input`, byte-aligned at its end so that such
/// blocks can be repeated; `last` ends the stream.
fn deflate_block(input: &[u8], last: bool) -> Vec<u8> {
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(6, -15, 0));
    let mut out = vec![0u8; input.len() + input.len() / 8 + 1024];
    let flush = if last { MZFlush::Finish } else { MZFlush::Sync };
    let result = deflate(&mut compressor, input, &mut out, flush);
    assert!(matches!(
        result.status,
        Ok(MZStatus::Ok | MZStatus::StreamEnd)
    ));
    out.truncate(result.bytes_written);
    out
}

/// A ZIP entry whose content is each piece repeated its count of times.
fn entry(name: &str, pieces: &[(&[u8], usize)]) -> (String, Vec<u8>, u32, u32) {
    let mut data = Vec::new();
    let mut crc = crc32fast::Hasher::new();
    let mut size = 0u64;
    for (piece, repeats) in pieces {
        let block = deflate_block(piece, false);
        let mut piece_crc = crc32fast::Hasher::new();
        piece_crc.update(piece);
        for _ in 0..*repeats {
            data.extend_from_slice(&block);
            crc.combine(&piece_crc);
        }
        size += piece.len() as u64 * *repeats as u64;
    }
    data.extend_from_slice(&deflate_block(b"", true));
    let size = u32::try_from(size).expect("under 4 GB");
    (name.to_owned(), data, crc.finalize(), size)
}

fn zip(entries: &[(String, Vec<u8>, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, crc, size) in entries {
        let offset = out.len() as u32;
        let header = |out: &mut Vec<u8>| {
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&8u16.to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
        };
        out.extend_from_slice(b"PK\x03\x04");
        header(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02\x14\x00");
        header(&mut central);
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
    let count = (entries.len() as u16).to_le_bytes();
    out.extend_from_slice(&count);
    out.extend_from_slice(&count);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A workbook of the given sheet and shared-strings parts.
fn workbook(sheet: (String, Vec<u8>, u32, u32), strings: (String, Vec<u8>, u32, u32)) -> Vec<u8> {
    let book = format!(
        r#"<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    zip(&[
        entry("xl/workbook.xml", &[(book.as_bytes(), 1)]),
        entry("xl/_rels/workbook.xml.rels", &[(rels.as_bytes(), 1)]),
        sheet,
        strings,
    ])
}

fn small_sheet() -> (String, Vec<u8>, u32, u32) {
    let xml = format!(
        r#"<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#
    );
    entry("xl/worksheets/sheet1.xml", &[(xml.as_bytes(), 1)])
}

fn strings(head: &str) -> (String, Vec<u8>, u32, u32) {
    let xml = format!(r#"{head}<si><t>Tên</t></si></sst>"#);
    entry("xl/sharedStrings.xml", &[(xml.as_bytes(), 1)])
}

/// The hostile files with the English and Vietnamese words their refusal
/// must contain.
fn hostile_files() -> Vec<(&'static str, Vec<u8>, &'static str, &'static str)> {
    let mega_a = vec![b'a'; 1024 * 1024];
    let open_sst = format!(r#"<sst xmlns="{MAIN}">"#);
    let gigabyte_string = entry(
        "xl/sharedStrings.xml",
        &[
            (format!("{open_sst}<si><t>").as_bytes(), 1),
            (&mega_a, 1024),
            (b"</t></si></sst>", 1),
        ],
    );
    let empty_cells = entry(
        "xl/worksheets/sheet1.xml",
        &[
            (
                format!(r#"<worksheet xmlns="{MAIN}"><sheetData><row r="2">"#).as_bytes(),
                1,
            ),
            (&br#"<c r="B2"></c>"#.repeat(65_536), 1536),
            (b"</row></sheetData></worksheet>", 1),
        ],
    );
    let zeros = entry(
        "xl/worksheets/sheet1.xml",
        &[(&vec![0u8; 1024 * 1024], 2047)],
    );
    vec![
        (
            "uniqueCount=1e12",
            workbook(
                small_sheet(),
                strings(&format!(
                    r#"<sst xmlns="{MAIN}" uniqueCount="1000000000000">"#
                )),
            ),
            "more than 1,000,000 different texts",
            "hơn 1.000.000 đoạn chữ",
        ),
        (
            "uniqueCount=1e18",
            workbook(
                small_sheet(),
                strings(&format!(
                    r#"<sst xmlns="{MAIN}" uniqueCount="1000000000000000000">"#
                )),
            ),
            "more than 1,000,000 different texts",
            "hơn 1.000.000 đoạn chữ",
        ),
        (
            "1 GB shared string",
            workbook(small_sheet(), gigabyte_string),
            "more than 32,767 characters",
            "hơn 32.767 ký tự",
        ),
        (
            "1.5 GB of empty cells",
            workbook(empty_cells, strings(&open_sst)),
            "damaged",
            "bị hỏng",
        ),
        (
            "2 GB of zeros",
            workbook(zeros, strings(&open_sst)),
            "damaged",
            "bị hỏng",
        ),
    ]
}

/// GET /healthz until `stop` passes, asserting each answers 200 within 2 s.
async fn healthz_answers_until(app: &TestApp, stop: Instant) -> usize {
    let mut answered = 0;
    loop {
        let started = Instant::now();
        let res = app.client().get(app.url("/healthz")).send().await;
        let status = res.map(|r| r.status()).expect("healthz answers");
        assert_eq!(status, StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(2));
        answered += 1;
        if Instant::now() > stop {
            return answered;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn hostile_workbooks_are_refused_by_name_while_the_server_answers() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let token = app.login(&d.staff.email, &d.staff.password).await;
    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;

    for (what, file, english, vietnamese) in hostile_files() {
        assert!(file.len() < 5 * 1024 * 1024, "{what}: {} bytes", file.len());
        let parts = [Part {
            name: "file",
            file_name: Some("hostile.xlsx"),
            data: &file,
        }];
        let upload = app.post_multipart("/api/v1/imports/products?dry_run=true", &token, &parts);
        let started = Instant::now();
        let health = healthz_answers_until(&app, started + Duration::from_millis(300));
        let ((status, body), answered) = futures_util::future::join(upload, health).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        let message = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
        assert!(message("message").contains(english), "{what}: {body}");
        assert!(message("message_vi").contains(vietnamese), "{what}: {body}");
        assert!(answered >= 1);

        let (content_type, form) = multipart_body(&[
            Part {
                name: "kind",
                file_name: None,
                data: b"products",
            },
            Part {
                name: "dry_run",
                file_name: None,
                data: b"1",
            },
            Part {
                name: "file",
                file_name: Some("hostile.xlsx"),
                data: &file,
            },
        ]);
        let mut res = app
            .client()
            .post(app.url("/staff/import"))
            .insert_header(("Cookie", cookie.clone()))
            .insert_header(("Accept-Language", "vi"))
            .insert_header(("Content-Type", content_type))
            .send_body(form)
            .await
            .expect("page");
        let html = res.body().limit(10 << 20).await.expect("body");
        let html = String::from_utf8_lossy(&html);
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {html}"
        );
        assert!(html.contains(vietnamese), "{what}: {html}");
    }
    let (status, body): (StatusCode, Value) = app.get_json("/healthz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
