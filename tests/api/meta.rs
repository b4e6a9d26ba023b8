//! Health, the API document, the list of places, headers and 404s.

use awc::http::StatusCode;

use crate::helpers::TestApp;

#[actix_web::test]
async fn health_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["scan_backlog"], 0);
    let (status, body) = app.get_json("/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], true);
    assert_eq!(body["disk_nearly_full"], false);
    assert!(body["data_dir_free_bytes"].as_u64().is_some_and(|b| b > 0));
}

#[actix_web::test]
async fn openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/sellers",
        "/api/v1/sellers/{id}",
        "/api/v1/sellers/{id}/invitations",
        "/api/v1/invitations/accept",
        "/api/v1/communes",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["SellerInput"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/api/v1/openapi.json", "/nowhere"] {
        let res = app
            .client()
            .get(app.url(path))
            .send()
            .await
            .expect("request");
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff")
        );
        assert!(h.get("referrer-policy").is_some());
    }
}

#[actix_web::test]
async fn unknown_paths_answer_404_in_the_right_form() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    let page = app.page("GET", "/khong-co", None, None, "vi").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Không tìm thấy"));
}

#[actix_web::test]
async fn communes_come_from_the_official_2025_list() {
    let app = TestApp::spawn().await;
    let (status, found) = app.get_json("/api/v1/communes?q=nam%20xuan", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found[0]["code"], 14902);
    assert_eq!(found[0]["name"], "Xã Nam Xuân");
    assert_eq!(found[0]["province_name"], "Thanh Hóa");
    let (_, provinces) = app.get_json("/api/v1/provinces", None).await;
    assert_eq!(provinces.as_array().expect("list").len(), 34);
    let (_, thanh_hoa) = app.get_json("/api/v1/communes?province=38", None).await;
    assert!(thanh_hoa.as_array().expect("list").len() > 100);
}

#[actix_web::test]
async fn static_css_is_cached_for_long() {
    let app = TestApp::spawn().await;
    let res = app
        .client()
        .get(app.url("/static/app.css"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let cc = res
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(cc.contains("max-age=31536000"), "{cc}");
}

#[actix_web::test]
async fn openapi_document_names_each_operation_once_with_its_extractor_errors() {
    // What the API fuzzer (.ci/schemathesis.sh) holds the server to.
    let app = TestApp::spawn().await;
    let (_, doc) = app.get_json("/api/v1/openapi.json", None).await;
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let what = format!("{method} {path}");
            let id = op["operationId"].as_str().expect("operationId");
            assert!(
                ids.insert(id.to_owned()),
                "{what}: operationId {id} used twice"
            );
            let responses = &op["responses"];
            if op.get("requestBody").is_some() {
                for status in ["400", "413"] {
                    assert!(responses[status].is_object(), "{what}: no {status}");
                }
            }
            if op.get("security").is_some() {
                assert!(responses["401"].is_object(), "{what}: no 401");
            }
        }
    }
    let file = &doc["paths"]["/api/v1/exports/{id}/file"]["get"]["responses"]["200"]["content"];
    assert!(file["text/csv"].is_object(), "{file}");
    assert!(
        file["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"].is_object(),
        "{file}"
    );
}
