//! Heavy uploads: forms take only their own parts and sizes, huge images
//! are decoded within a memory budget or refused with 503, and no database
//! connection is held while they are decoded, so health checks and scan
//! pages keep answering.

use std::time::{Duration, Instant};

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Part, TestApp, multipart_body};

/// A seller's product, a lot and a genuine stamp of it.
struct Shop {
    app: TestApp,
    token: String,
    product: i64,
    code: String,
}

async fn shop() -> Shop {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let token = app.login(&d.sellers[0].email, &d.sellers[0].password).await;
    let (status, p) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", d.sellers[0].id),
            Some(&token),
            json!({ "name_vi": "Mật ong rừng Nam Xuân", "ocop_group": "food", "description": "Mật ong hoa rừng.",
                    "unit": "ml", "net_quantity": "500", "price_vnd": "250000", "status": "listed" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let product = p["id"].as_i64().expect("product");
    let (status, lot) = app
        .post_json(
            &format!("/api/v1/products/{product}/lots"),
            Some(&token),
            json!({ "code": "NX-01", "produced_on": "2025-10-01", "origin_commune_code": "14902" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lot}");
    let (status, run) = app
        .post_json(
            &format!("/api/v1/products/{product}/stamp-runs"),
            Some(&token),
            json!({ "count": "1", "lot_code": "NX-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let code = run["codes"][0].as_str().expect("code").to_owned();
    Shop {
        app,
        token,
        product,
        code,
    }
}

/// A PNG of `w` x `h` 16-bit RGBA pixels, compressed row by row so that a
/// 320 MB image costs the test a few hundred KB.
fn png16(w: u32, h: u32) -> Vec<u8> {
    use miniz_oxide::deflate::core::{
        CompressorOxide, TDEFLFlush, compress_to_output, create_comp_flags_from_zip_params,
    };
    let mut row = vec![0u8];
    for _ in 0..w {
        row.extend_from_slice(&[0x7F, 0x00, 0x20, 0x00, 0x90, 0x00, 0xFF, 0xFF]);
    }
    let mut idat = Vec::new();
    let mut z = CompressorOxide::new(create_comp_flags_from_zip_params(6, 15, 0));
    for y in 0..h {
        let flush = if y + 1 == h {
            TDEFLFlush::Finish
        } else {
            TDEFLFlush::None
        };
        compress_to_output(&mut z, &row, flush, |out| {
            idat.extend_from_slice(out);
            true
        });
    }
    let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&u32::try_from(data.len()).expect("len").to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32fast::hash(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", b"");
    png
}

/// Posts raw multipart bytes with the seller's token; status, Retry-After
/// and the JSON answer.
async fn post_raw(s: &Shop, path: &str, parts: &[Part<'_>]) -> (StatusCode, Option<String>, Value) {
    let (content_type, body) = multipart_body(parts);
    let mut res = s
        .app
        .client()
        .post(s.app.url(path))
        .timeout(Duration::from_secs(120))
        .insert_header(("Authorization", format!("Bearer {}", s.token)))
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .expect("request");
    let retry = res
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res.body().limit(1 << 20).await.expect("body");
    (
        res.status(),
        retry,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn photo_count(s: &Shop) -> usize {
    let (status, p) = s
        .app
        .get_json(&format!("/api/v1/products/{}", s.product), Some(&s.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    p["photos"].as_array().map_or(0, Vec::len)
}

#[actix_web::test]
async fn an_upload_with_a_part_the_form_does_not_take_is_refused_and_stores_nothing() {
    let s = shop().await;
    let photo = ocop::services::media::demo_image_png(1, 400, 300);
    let path = format!("/api/v1/products/{}/photos", s.product);
    let (status, _, body) = post_raw(
        &s,
        &path,
        &[
            Part {
                name: "photo",
                file_name: Some("anh.png"),
                data: &photo,
            },
            Part {
                name: "extra",
                file_name: Some("x.bin"),
                data: &[0u8; 4096],
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("\"extra\""), "{body}");
    assert!(detail.contains("photo"), "{body}");
    assert!(
        s.app.stored_files().is_empty(),
        "{:?}",
        s.app.stored_files()
    );
    assert_eq!(photo_count(&s).await, 0);

    // On the page, and on the certificate and event forms, the same.
    for (path, known) in [
        (format!("/products/{}/photos", s.product), "photo"),
        (
            format!("/api/v1/products/{}/certificates", s.product),
            "stars",
        ),
    ] {
        let (content_type, body) = multipart_body(&[
            Part {
                name: known,
                file_name: None,
                data: b"4",
            },
            Part {
                name: "evil",
                file_name: Some("e.bin"),
                data: &[1u8; 1024],
            },
        ]);
        let res = s
            .app
            .client()
            .post(s.app.url(&path))
            .insert_header(("Authorization", format!("Bearer {}", s.token)))
            .insert_header(("Cookie", format!("ocop_session={}", s.token)))
            .insert_header(("Origin", "http://ocop.test"))
            .insert_header(("Content-Type", content_type))
            .send_body(body)
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    assert!(s.app.stored_files().is_empty());

    // A part repeated beyond what the form offers is refused too.
    let parts: Vec<Part<'_>> = (0..3)
        .map(|_| Part {
            name: "photo",
            file_name: Some("anh.png"),
            data: &photo,
        })
        .collect();
    let (status, _, body) = post_raw(&s, &path, &parts).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(s.app.stored_files().is_empty());
}

#[actix_web::test]
async fn a_body_over_the_forms_total_is_refused_before_it_is_read() {
    let s = shop().await;
    let path = format!("/api/v1/products/{}/photos", s.product);
    // Two photo inputs (camera and picker) of 6 MB each: each within its
    // limit, together over the form's total.
    let big = vec![0u8; 6 * 1024 * 1024];
    let (status, _, body) = post_raw(
        &s,
        &path,
        &[
            Part {
                name: "photo",
                file_name: Some("a.png"),
                data: &big,
            },
            Part {
                name: "photo",
                file_name: Some("b.png"),
                data: &big,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(s.app.stored_files().is_empty());

    // A declared length over the total is refused before any byte is read:
    // the server answers although the body never comes.
    let address = s.app.address.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: {}\r\n\r\n--xyz\r\n",
        s.token,
        500u64 << 20
    );
    let answer = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut tcp = std::net::TcpStream::connect(&address).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        tcp.write_all(head.as_bytes()).expect("send");
        let mut buf = [0u8; 512];
        let n = tcp.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .expect("join");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
}

#[actix_web::test]
async fn a_16_bit_png_of_40_megapixels_is_processed_or_refused_never_a_500() {
    let s = shop().await;
    let png = png16(8000, 5000);
    assert!(png.len() < 2 * 1024 * 1024, "{}", png.len());
    let path = format!("/api/v1/products/{}/photos", s.product);
    let (status, retry, body) = post_raw(
        &s,
        &path,
        &[Part {
            name: "photo",
            file_name: Some("big.png"),
            data: &png,
        }],
    )
    .await;
    match status {
        StatusCode::CREATED => {
            assert_eq!(
                (&body["width"], &body["height"]),
                (&json!(1024), &json!(640))
            );
            assert_eq!(photo_count(&s).await, 1);
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            assert!(retry.is_some(), "503 without Retry-After");
            assert_eq!(body["error"], "busy");
            assert!(s.app.stored_files().is_empty());
        }
        other => panic!("{other}: {body}"),
    }
}

#[actix_web::test]
async fn health_and_scan_pages_answer_while_heavy_uploads_hold_the_cpu_pool() {
    let s = shop().await;
    // More uploads than the test server's 4 connections and 2 heavy-work
    // threads: before, each held a connection while it decoded.
    let png = png16(4000, 3000);
    let path = format!("/api/v1/products/{}/photos", s.product);
    let parts = [Part {
        name: "photo",
        file_name: Some("big.png"),
        data: &png,
    }];
    let uploads = futures_util::future::join_all((0..6).map(|_| post_raw(&s, &path, &parts)));
    let polls = async {
        let mut answers = Vec::new();
        let started = Instant::now();
        // Give the uploads time to start, then poll while they run.
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        while started.elapsed() < Duration::from_secs(6) {
            for path in ["/healthz".to_owned(), format!("/s/{}", s.code)] {
                let asked = Instant::now();
                let res = s
                    .app
                    .client()
                    .get(s.app.url(&path))
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await;
                answers.push((
                    path,
                    res.map(|r| r.status()).map_err(|e| e.to_string()),
                    asked.elapsed(),
                ));
            }
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
        answers
    };
    let (results, answers) = futures_util::future::join(uploads, polls).await;
    for (status, retry, body) in &results {
        assert!(
            *status == StatusCode::CREATED
                || (*status == StatusCode::SERVICE_UNAVAILABLE && retry.is_some()),
            "{status}: {body}"
        );
    }
    assert!(results.iter().any(|(s, _, _)| *s == StatusCode::CREATED));
    assert!(answers.len() >= 10, "{answers:?}");
    for (path, status, took) in &answers {
        assert_eq!(
            status.as_ref().ok(),
            Some(&StatusCode::OK),
            "{path} after {took:?}"
        );
        assert!(*took < Duration::from_secs(2), "{path} took {took:?}");
    }
}
