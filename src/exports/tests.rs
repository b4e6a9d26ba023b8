use chrono::NaiveDate;

use super::*;

pub(crate) fn honey() -> Product {
    let at = NaiveDate::from_ymd_opt(2026, 1, 2)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("date");
    Product {
        id: 7,
        seller_id: 3,
        name_vi: "Mật ong rừng Nam Xuân".into(),
        name_en: Some("Nam Xuan wild honey".into()),
        slug: "mat-ong-rung-nam-xuan".into(),
        ocop_group: "food".into(),
        ocop_subgroup: Some("honey".into()),
        description: "Mật ong hoa rừng khai thác tự nhiên ở bản Nam Xuân, không pha đường.".into(),
        story: Some("Ong làm tổ trên vách đá.".into()),
        ingredients: Some("Mật ong rừng 100%".into()),
        unit: "ml".into(),
        net_quantity: 500.0,
        pack_type: Some("Chai thủy tinh".into()),
        packed_weight_g: Some(800),
        length_cm: Some(8.0),
        width_cm: Some(8.0),
        height_cm: Some(20.5),
        price_vnd: 250_000,
        stock: 40,
        gtin: Some("8934567000000".into()),
        shelf_life_days: Some(720),
        storage: Some("Nơi khô ráo".into()),
        planting_area_code: None,
        status: "listed".into(),
        search_text: String::new(),
        created_at: at,
        updated_at: at,
        sku: Some("MO-500".into()),
    }
}

pub(crate) fn htx() -> Seller {
    let at = NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("date");
    Seller {
        id: 3,
        kind: "htx".into(),
        legal_name: "Hợp tác xã Nông nghiệp Nam Xuân".into(),
        short_name: "HTX Nam Xuân".into(),
        tax_code: Some("0102595740".into()),
        business_reg_no: None,
        representative: "Hà Văn Thắng".into(),
        phone: "0912345678".into(),
        zalo_phone: None,
        email: None,
        commune_code: 14902,
        village: None,
        former_district: None,
        gln: None,
        bank_account: None,
        onboarded_by: None,
        post_office_id: None,
        consent_at: Some(at),
        status: "active".into(),
        search_text: String::new(),
        created_at: at,
        updated_at: at,
    }
}

fn certificate() -> Certificate {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    Certificate {
        id: 1,
        product_id: 7,
        stars: 4,
        score: Some(78),
        decision_no: "1234/QĐ-UBND".into(),
        issued_by: "province".into(),
        issued_on: d(2025, 3, 1),
        valid_until: d(2028, 3, 1),
        document_file: None,
        notified_60_at: None,
        notified_14_at: None,
        created_at: d(2025, 3, 1).and_hms_opt(0, 0, 0).expect("time"),
    }
}

fn listing<'a>(
    p: &'a Product,
    s: &'a Seller,
    c: Option<&'a Certificate>,
    photos: usize,
) -> Listing<'a> {
    Listing {
        product: p,
        seller: s,
        certificate: c,
        image_urls: (0..photos)
            .map(|i| format!("https://ocop.example.vn/media/k{i}-1024.jpg"))
            .collect(),
        trace_url: "https://ocop.example.vn/p/mat-ong-rung-nam-xuan".into(),
        origin: "Xã Nam Xuân, Thanh Hóa".into(),
        public_urls: true,
    }
}

#[test]
fn title_adds_pack_size_and_cooperative_once() {
    let (p, s) = (honey(), htx());
    assert_eq!(
        title(&listing(&p, &s, None, 1)),
        "Mật ong rừng Nam Xuân 500ml - HTX Nam Xuân"
    );
    let mut named = honey();
    named.name_vi = "HTX Nam Xuân - Mật ong rừng 500 ml".into();
    assert_eq!(title(&listing(&named, &s, None, 1)), named.name_vi);
    let mut kg = honey();
    kg.unit = "kg".into();
    kg.net_quantity = 1.5;
    assert_eq!(pack_size(&kg).as_deref(), Some("1,5kg"));
}

#[test]
fn a_complete_listing_is_ready_everywhere() {
    let (p, s, c) = (honey(), htx(), certificate());
    for channel in ChannelId::ALL {
        let problems = channel.spec().check(&listing(&p, &s, Some(&c), 3));
        assert!(problems.is_empty(), "{channel:?}: {problems:?}");
    }
}

#[test]
fn shipping_channels_need_weight_and_dimensions() {
    let s = htx();
    let mut p = honey();
    p.packed_weight_g = None;
    p.height_cm = None;
    let l = listing(&p, &s, None, 3);
    let fields =
        |c: ChannelId| -> Vec<&str> { c.spec().check(&l).iter().map(|p| p.field).collect() };
    assert_eq!(
        fields(ChannelId::Postmart),
        ["packed_weight_g", "length_cm"]
    );
    assert_eq!(fields(ChannelId::Voso), ["packed_weight_g", "length_cm"]);
    assert_eq!(fields(ChannelId::Thanhhoa), ["packed_weight_g"]);
    assert!(fields(ChannelId::Generic).is_empty());
}

#[test]
fn stars_claimed_without_certificate_block() {
    let s = htx();
    let mut p = honey();
    p.name_vi = "Mật ong rừng OCOP 4 sao".into();
    let problems = ChannelId::Thanhhoa.spec().check(&listing(&p, &s, None, 3));
    assert_eq!(problems[0].kind, ProblemKind::StarsWithoutCertificate);
    assert!(claims_stars(&p));
    assert!(!claims_stars(&honey()));
}

#[test]
fn photos_one_required_three_recommended() {
    let (p, s) = (honey(), htx());
    let none = ChannelId::Voso.spec().check(&listing(&p, &s, None, 0));
    assert_eq!(none[0].kind, ProblemKind::NoImage);
    assert!(none[0].blocks());
    let one = ChannelId::Voso.spec().check(&listing(&p, &s, None, 1));
    assert_eq!(
        one,
        [Problem::new(
            "photos",
            ProblemKind::FewImages {
                recommended: 3,
                have: 1
            }
        )]
    );
    assert!(!one[0].blocks());
}

#[test]
fn title_limits_differ_per_channel() {
    let s = htx();
    let mut p = honey();
    p.name_vi =
        "Mật ong rừng nguyên chất khai thác thủ công trên núi đá vôi Pù Luông bởi đồng bào Thái"
            .into();
    let l = listing(&p, &s, None, 3);
    let len = title(&l).chars().count();
    assert!(len > 100 && len <= 120, "{len}");
    assert!(matches!(
        ChannelId::Voso.spec().check(&l)[0].kind,
        ProblemKind::TitleTooLong { max: 100, .. }
    ));
    assert!(ChannelId::Postmart.spec().check(&l).is_empty());
}

#[test]
fn tours_and_animals_have_no_shipping_category() {
    let s = htx();
    let mut p = honey();
    p.ocop_group = "tourism".into();
    p.ocop_subgroup = Some("community_tourism".into());
    let l = listing(&p, &s, None, 3);
    assert!(
        ChannelId::Postmart
            .spec()
            .check(&l)
            .iter()
            .any(|x| x.kind == ProblemKind::NoCategory)
    );
    assert!(ChannelId::Thanhhoa.spec().check(&l).is_empty());
}

#[test]
fn rows_follow_the_headers() {
    let (p, s, c) = (honey(), htx(), certificate());
    let l = listing(&p, &s, Some(&c), 4);
    let spec = ChannelId::Postmart.spec();
    let row = spec.row(&l);
    assert_eq!(row.len(), spec.headers().len());
    let at = |h: &str| {
        let i = spec
            .columns
            .iter()
            .position(|(name, _)| *name == h)
            .expect(h);
        row[i].clone()
    };
    assert_eq!(at("SKU"), Cell::Text("MO-500".into()));
    assert_eq!(at("Giá bán"), Cell::Int(250_000));
    assert_eq!(at("Cân nặng (gram)"), Cell::Int(800));
    assert_eq!(at("Chiều cao (cm)"), Cell::Number(20.5));
    assert_eq!(
        at("Ảnh 4"),
        Cell::Text("https://ocop.example.vn/media/k3-1024.jpg".into())
    );
    assert_eq!(at("Ảnh 5"), Cell::Empty);
    assert_eq!(at("Chứng nhận OCOP (sao)"), Cell::Int(4));
    assert_eq!(
        at("Ngành hàng"),
        Cell::Text("Đặc sản vùng miền > Mật ong".into())
    );
    let Cell::Text(d) = at("Mô tả sản phẩm") else {
        panic!("description")
    };
    assert!(d.contains("Quyết định số 1234/QĐ-UBND"), "{d}");
    assert!(d.ends_with("Truy xuất nguồn gốc: https://ocop.example.vn/p/mat-ong-rung-nam-xuan"));
}

#[test]
fn schema_org_product_carries_offer_and_award() {
    let (p, s, c) = (honey(), htx(), certificate());
    let v = generic::schema_org_product(&listing(&p, &s, Some(&c), 2));
    assert_eq!(v["@type"], "Product");
    assert_eq!(v["offers"]["price"], 250_000);
    assert_eq!(v["offers"]["priceCurrency"], "VND");
    assert_eq!(v["gtin"], "8934567000000");
    assert_eq!(v["image"].as_array().map(Vec::len), Some(2));
    assert!(v["award"].as_str().is_some_and(|a| a.contains("4 sao")));
}
