//! Marketplace exports and bulk imports of 10,000 products: time and peak
//! memory, in one process, on a fresh SQLite file in a temp dir.
//!
//! Run with `cargo bench --bench exports`. Measures:
//! (a) product import of 10,000 rows in the import template's columns
//!     (spread over the three demo sellers): a CSV dry run, the CSV import
//!     (creates 10,000) and the same rows as XLSX (updates 10,000); reading
//!     each file alone (`read_table`) is timed too, to show where time goes;
//! (b) export of all 10,000 (admin scope) to Postmart as XLSX and as CSV,
//!     through `start` + `run` as the background worker does;
//! (c) a reference: loading the same products with `Product::find_many` in
//!     chunks of 500 and writing their plain fields with the `csv` crate to
//!     memory, i.e. the bare cost of reading and serialising. Each import
//!     and export is also given as a multiple of it.
//!
//! Peak memory is each phase's own VmHWM (reset through
//! `/proc/self/clear_refs`) above the RSS at its start, after glibc has
//! been asked to return the heap freed before the phase (`malloc_trim`). Every export file is
//! read back with `read_table` (outside the timings) and must hold 10,000
//! data rows.

use std::hint::black_box;
use std::time::Instant;

use ocop::config::{ConfigArgs, Settings};
use ocop::db::DbConn;
use ocop::db::models::{Photo, Product, Seller, User, now};
use ocop::domain::Role;
use ocop::error::AppError;
use ocop::exports::ChannelId;
use ocop::services::exports::{self, Selection};
use ocop::services::imports::{self, ImportKind, ImportReport};
use ocop::services::{Actor, demo};
use ocop::sheets::{Cell, CsvSheet, SheetFormat, SheetWriter, read_table};
use ocop::startup::prepare_database;

const PRODUCTS: usize = 10_000;
/// As the export service loads them.
const CHUNK: usize = 500;

/// A `/proc/self/status` figure in KiB: "VmRSS" (now) or "VmHWM" (peak).
fn status_kib(key: &str) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux 4.0+), so that each phase's own
/// peak can be read; false when the kernel refused.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// One measured phase.
struct Phase {
    ms: f64,
    /// RSS at the start, KiB.
    before: i64,
    /// VmHWM at the end, KiB: the phase's own peak when `reset`, else the
    /// process's peak so far.
    peak: i64,
    reset: bool,
}

impl Phase {
    fn rows_per_s(&self) -> f64 {
        PRODUCTS as f64 / (self.ms / 1e3)
    }

    fn memory(&self) -> String {
        if self.reset {
            format!(
                "peak RSS +{:.0} MB ({:.0} MB)",
                (self.peak - self.before) as f64 / 1024.0,
                self.peak as f64 / 1024.0
            )
        } else {
            format!(
                "peak RSS {:.0} MB (cumulative: /proc/self/clear_refs not writable)",
                self.peak as f64 / 1024.0
            )
        }
    }
}

/// Hands freed heap back to the kernel. glibc keeps it otherwise, and a
/// phase reusing memory freed before it would show no growth at all.
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only returns free pages; it has no
        // preconditions.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Phase) {
    release_free_heap();
    let reset = reset_peak();
    let before = status_kib("VmRSS");
    let start = Instant::now();
    let out = f();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let peak = status_kib("VmHWM");
    (
        out,
        Phase {
            ms,
            before,
            peak,
            reset,
        },
    )
}

// ---------------------------------------------------------------- rows

/// A kind of product a Quan Hóa seller makes, in the template's words.
struct Kind {
    name: &'static str,
    name_en: &'static str,
    group: &'static str,
    subgroup: &'static str,
    about: &'static str,
    ingredients: &'static str,
    unit: &'static str,
    quantity: i64,
    pack: &'static str,
    weight_g: i64,
    dims: (f64, f64, f64),
    price: i64,
    shelf_life: i64,
    storage: &'static str,
}

#[rustfmt::skip]
const KINDS: &[Kind] = &[
    Kind { name: "Mật ong rừng", name_en: "Wild forest honey", group: "Thực phẩm", subgroup: "Mật ong và sản phẩm từ mật ong", about: "Mật ong hoa rừng nguyên chất, thu hoạch thủ công từ các tổ ong khoái trên núi đá vôi", ingredients: "100% mật ong rừng", unit: "ml", quantity: 500, pack: "chai thủy tinh", weight_g: 850, dims: (8.0, 8.0, 22.0), price: 250_000, shelf_life: 730, storage: "Nơi khô ráo, tránh ánh nắng trực tiếp" },
    Kind { name: "Chè Shan tuyết cổ thụ", name_en: "Ancient Shan tuyet tea", group: "Thực phẩm", subgroup: "Chè và sản phẩm từ chè", about: "Búp chè Shan tuyết hái một tôm hai lá từ những cây chè trăm tuổi, sao tay trên chảo gang", ingredients: "100% búp chè Shan tuyết", unit: "g", quantity: 200, pack: "hộp giấy kraft", weight_g: 300, dims: (10.0, 7.5, 18.0), price: 180_000, shelf_life: 540, storage: "Đậy kín sau khi mở, để nơi thoáng mát" },
    Kind { name: "Măng khô", name_en: "Dried bamboo shoots", group: "Thực phẩm", subgroup: "Nông sản, thủy sản sơ chế", about: "Măng nứa rừng luộc kỹ và phơi khô tự nhiên trên gác bếp, không chất bảo quản", ingredients: "Măng nứa rừng", unit: "g", quantity: 500, pack: "túi zip", weight_g: 550, dims: (25.0, 18.0, 6.0), price: 160_000, shelf_life: 365, storage: "Nơi khô ráo, thoáng mát" },
    Kind { name: "Thịt trâu gác bếp", name_en: "Smoked buffalo meat", group: "Thực phẩm", subgroup: "Thực phẩm chế biến", about: "Thịt trâu tẩm mắc khén, hạt dổi và gừng, treo gác bếp khói củi theo cách của người Thái", ingredients: "Thịt trâu, mắc khén, hạt dổi, gừng, ớt, muối", unit: "g", quantity: 500, pack: "túi hút chân không", weight_g: 600, dims: (24.0, 16.0, 4.5), price: 480_000, shelf_life: 180, storage: "Bảo quản ngăn mát tủ lạnh" },
    Kind { name: "Muối ớt hạt dổi", name_en: "Chili salt with doi seeds", group: "Thực phẩm", subgroup: "Gia vị, nước chấm", about: "Muối rang với ớt rừng, hạt dổi và mắc khén giã tay, chấm thịt nướng hay hoa quả đều ngon", ingredients: "Muối, ớt, hạt dổi, mắc khén, tỏi", unit: "g", quantity: 200, pack: "hũ thủy tinh", weight_g: 320, dims: (7.0, 7.0, 9.0), price: 65_000, shelf_life: 365, storage: "Đậy kín, tránh ẩm" },
    Kind { name: "Rượu men lá", name_en: "Leaf-yeast rice wine", group: "Đồ uống", subgroup: "Đồ uống có cồn", about: "Rượu nấu từ gạo nếp nương ủ men lá rừng theo bài thuốc gia truyền, chưng cất hai lần", ingredients: "Gạo nếp nương, men lá rừng, nước suối", unit: "ml", quantity: 750, pack: "chai thủy tinh", weight_g: 1_300, dims: (9.0, 9.0, 30.0), price: 120_000, shelf_life: 1_825, storage: "Nơi thoáng mát, tránh ánh nắng" },
    Kind { name: "Tinh dầu quế", name_en: "Cinnamon essential oil", group: "Thảo dược", subgroup: "Tinh dầu, thảo dược khác", about: "Tinh dầu chưng cất từ vỏ và lá quế trồng dưới tán rừng, thơm ấm, dùng xông phòng và massage", ingredients: "100% tinh dầu quế", unit: "ml", quantity: 50, pack: "lọ thủy tinh tối màu", weight_g: 150, dims: (5.0, 5.0, 12.0), price: 95_000, shelf_life: 1_095, storage: "Để xa tầm tay trẻ em, tránh nhiệt độ cao" },
    Kind { name: "Khăn thổ cẩm Thái", name_en: "Thai brocade scarf", group: "Thủ công mỹ nghệ", subgroup: "Vải, thổ cẩm, may mặc", about: "Khăn dệt tay trên khung cửi bằng sợi bông nhuộm chàm và vỏ cây, hoa văn truyền thống của người Thái", ingredients: "Sợi bông, thuốc nhuộm tự nhiên", unit: "cái", quantity: 1, pack: "hộp giấy", weight_g: 250, dims: (30.0, 20.0, 5.0), price: 350_000, shelf_life: 3_650, storage: "Giặt tay nước lạnh, phơi trong bóng râm" },
    Kind { name: "Nước cốt gừng mật ong", name_en: "Ginger and honey syrup", group: "Đồ uống", subgroup: "Đồ uống không cồn", about: "Gừng sẻ trồng trên nương ép lấy nước cốt, ngâm với mật ong rừng, pha nước ấm uống ngày lạnh", ingredients: "Gừng sẻ, mật ong rừng", unit: "ml", quantity: 330, pack: "chai thủy tinh", weight_g: 560, dims: (6.5, 6.5, 19.0), price: 135_000, shelf_life: 365, storage: "Bảo quản ngăn mát sau khi mở nắp" },
    Kind { name: "Cơm lam nếp nương", name_en: "Bamboo-tube sticky rice", group: "Thực phẩm", subgroup: "Thực phẩm chế biến", about: "Gạo nếp nương ngâm nước suối, nhồi ống nứa non và nướng trên than hồng cho đến khi cháy vỏ", ingredients: "Gạo nếp nương, nước suối, ống nứa", unit: "kg", quantity: 1, pack: "túi hút chân không", weight_g: 1_100, dims: (32.0, 12.0, 8.0), price: 90_000, shelf_life: 30, storage: "Bảo quản ngăn đá, hấp lại trước khi ăn" },
];

const PLACES: &[&str] = &[
    "Nam Xuân",
    "Pù Luông",
    "Hồi Xuân",
    "Trung Sơn",
    "Phú Lệ",
    "Thiên Phủ",
    "Hiền Kiệt",
    "Nam Tiến",
    "Thành Sơn",
    "Trung Thành",
    "Phú Sơn",
    "Phú Thanh",
    "Nam Động",
    "Phú Xuân",
];

const VILLAGES: &[&str] = &[
    "bản Khạn",
    "bản Bút",
    "bản Đôn",
    "bản Sại",
    "bản Chiềng",
    "bản Páng",
    "bản Poọng",
];

const VARIANTS: &[&str] = &[
    "",
    "loại đặc biệt",
    "hộp quà Tết",
    "vụ xuân 2025",
    "vụ thu 2025",
    "gói tiết kiệm",
    "đóng gói mới",
];

/// Row `i` of the import file, in the template's column order: each kind
/// in turn, across the places, villages and variants, the sellers in turn.
fn row(i: usize, tax_codes: &[String]) -> Vec<Cell> {
    let kind = &KINDS[i % KINDS.len()];
    let place = PLACES[(i / KINDS.len()) % PLACES.len()];
    let village = VILLAGES[(i / 7) % VILLAGES.len()];
    let variant = VARIANTS[(i / 3) % VARIANTS.len()];
    let name = if variant.is_empty() {
        format!("{} {place}", kind.name)
    } else {
        format!("{} {place} {variant}", kind.name)
    };
    let description = format!(
        "{} tại {village}, xã {place}, tỉnh Thanh Hóa. Sản phẩm được làm theo đơn đặt hàng, \
         đóng gói ngay tại cơ sở và gửi đi trong vòng hai ngày làm việc. Lô số {}.",
        kind.about,
        i % 97 + 1
    );
    let story = format!(
        "Người dân {village} giữ nghề làm {} từ đời ông bà; mỗi mùa chỉ làm vừa đủ để giữ \
         rừng và giữ nghề cho con cháu.",
        kind.name.to_lowercase()
    );
    let bump = (i % 5) as f64 * 0.5;
    let value = |field: &str| -> Cell {
        match field {
            imports::SELLER_KEY_FIELD => Cell::from(tax_codes[i % tax_codes.len()].as_str()),
            "sku" => Cell::Text(format!("QH-{:02}-{i:05}", i % KINDS.len())),
            "name_vi" => Cell::Text(name.clone()),
            "name_en" if i.is_multiple_of(3) => {
                Cell::Text(format!("{} from {place}", kind.name_en))
            }
            "ocop_group" => Cell::from(kind.group),
            "ocop_subgroup" => Cell::from(kind.subgroup),
            "description" => Cell::Text(description.clone()),
            "story" if i.is_multiple_of(2) => Cell::Text(story.clone()),
            "ingredients" => Cell::from(kind.ingredients),
            "unit" => Cell::from(kind.unit),
            "net_quantity" => Cell::Int(kind.quantity),
            "pack_type" => Cell::from(kind.pack),
            "packed_weight_g" => Cell::Int(kind.weight_g + (i % 11) as i64 * 5),
            "length_cm" => Cell::Number(kind.dims.0 + bump),
            "width_cm" => Cell::Number(kind.dims.1),
            "height_cm" => Cell::Number(kind.dims.2 + bump),
            "price_vnd" => Cell::Int(kind.price + (i % 7) as i64 * 5_000),
            "stock" => Cell::Int((i % 240) as i64),
            "shelf_life_days" => Cell::Int(kind.shelf_life),
            "storage" => Cell::from(kind.storage),
            "planting_area_code" if i.is_multiple_of(4) => {
                Cell::Text(format!("VN-TH-QH-{:03}", i % 500 + 1))
            }
            "status" => Cell::from("Đang bán"),
            _ => Cell::Empty,
        }
    };
    ImportKind::Products
        .columns()
        .iter()
        .map(|c| value(c.field))
        .collect()
}

fn headers() -> Vec<Cell> {
    ImportKind::Products
        .columns()
        .iter()
        .map(|c| Cell::from(c.header))
        .collect()
}

fn csv_bytes(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut sheet = CsvSheet::new(Vec::new()).expect("in memory");
    sheet.write_row(&headers()).expect("in memory");
    for r in rows {
        sheet.write_row(r).expect("in memory");
    }
    sheet.into_inner().expect("in memory")
}

fn xlsx_bytes(rows: &[Vec<Cell>], dir: &std::path::Path) -> Vec<u8> {
    let path = dir.join("nhap-san-pham.xlsx");
    let mut sheet =
        imports::create_sheet(ImportKind::Products, SheetFormat::Xlsx, &path).expect("xlsx");
    sheet.write_row(&headers()).expect("xlsx");
    for r in rows {
        sheet.write_row(r).expect("xlsx");
    }
    sheet.finish().expect("xlsx");
    let bytes = std::fs::read(&path).expect("xlsx written");
    std::fs::remove_file(&path).expect("xlsx removed");
    bytes
}

// ---------------------------------------------------------------- phases

/// The report of an import that must succeed; a refusal prints its first
/// problems before failing.
fn imported(result: Result<ImportReport, AppError>) -> ImportReport {
    match result {
        Ok(report) => report,
        Err(AppError::ImportRejected(report)) => {
            for p in report.problems.iter().take(10) {
                eprintln!(
                    "  row {} {:?} ({}): {:?}",
                    p.row, p.column, p.field, p.reason
                );
            }
            panic!(
                "import refused: {:?}, {} problems in {} rows",
                report.refusal, report.problems_total, report.rows_with_problems
            );
        }
        Err(e) => panic!("import failed: {e}"),
    }
}

struct ExportRun {
    phase: Phase,
    size: i64,
    exported: i32,
    held: i32,
    verified_rows: usize,
}

fn export(conn: &mut DbConn, settings: &Settings, admin: &Actor, format: SheetFormat) -> ExportRun {
    let (export, phase) = measure(|| {
        let queued = exports::start(
            conn,
            admin,
            ChannelId::Postmart,
            format,
            &Selection::default(),
        )
        .expect("export starts");
        exports::run(conn, settings, queued.id, &mut |_, _| {}).expect("export runs")
    });
    assert_eq!(export.status, "done", "{:?}", export.error);
    if export.held > 0 {
        let held = exports::held_products(&export);
        eprintln!(
            "  {} held, e.g. {:?}",
            export.held,
            held.first().map(|h| &h.problems)
        );
    }
    let (path, _, _) = exports::file_of(conn, settings, admin, export.id).expect("file");
    let bytes = std::fs::read(&path).expect("export file");
    let table = read_table(export.file_name.as_deref().unwrap_or_default(), &bytes)
        .expect("export file reads back");
    assert_eq!(table.rows.len(), PRODUCTS, "{} data rows", format.as_str());
    ExportRun {
        phase,
        size: export.file_size.unwrap_or(0),
        exported: export.exported,
        held: export.held,
        verified_rows: table.rows.len(),
    }
}

/// The bare cost: load the products as the export does, write plain fields.
fn reference(conn: &mut DbConn, ids: &[i64]) -> (usize, usize) {
    let mut out = csv::Writer::from_writer(Vec::with_capacity(4 << 20));
    let mut rows = 0;
    for chunk in ids.chunks(CHUNK) {
        for p in Product::find_many(conn, chunk).expect("products load") {
            out.write_record([
                p.sku.as_deref().unwrap_or(""),
                &p.name_vi,
                &p.ocop_group,
                p.ocop_subgroup.as_deref().unwrap_or(""),
                &p.description,
                &p.price_vnd.to_string(),
                &p.stock.to_string(),
                &p.packed_weight_g.unwrap_or(0).to_string(),
                &p.length_cm.unwrap_or(0.0).to_string(),
                &p.width_cm.unwrap_or(0.0).to_string(),
                &p.height_cm.unwrap_or(0.0).to_string(),
                &p.slug,
            ])
            .expect("in memory");
            rows += 1;
        }
    }
    let bytes = out.into_inner().expect("in memory");
    (rows, black_box(bytes).len())
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    let total = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("ocop-bench-exports-")
        .tempdir_in(std::env::temp_dir())
        .expect("temp dir");
    let settings = Settings::from_args(ConfigArgs {
        env: "development".into(),
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        database_url: None,
        public_base_url: Some("https://ocop.example.vn".into()),
        secret_key: Some("bench-secret-key-that-is-long-enough-0123456789".into()),
        smtp_url: None,
        mail_from: "OCOP <no-reply@ocop.example.vn>".into(),
        workers: 1,
        db_pool_size: 2,
        cpu_threads: 2,
        cpu_queue: 16,
        cpu_memory_mb: 768,
        session_hours: 12,
        trust_proxy: false,
        trusted_proxies: None,
        smtp_timeout: 20,
        mail_retry: 60,
        copy_scan_limit: 200,
        copy_networks: 3,
        label_threads: 2,
        label_queue: 16,
    })
    .expect("bench settings");
    let pool = prepare_database(&settings).expect("database");
    let mut pooled = pool.get().expect("connection");
    let conn: &mut DbConn = &mut pooled;

    // 1. Demo sellers and an admin.
    let logins = demo::seed(conn).expect("demo seed");
    let admin_user = User::find_by_email(conn, demo::ADMIN_EMAIL)
        .expect("query")
        .expect("demo admin");
    let admin = Actor {
        user_id: admin_user.id,
        role: Role::Admin,
        seller_id: None,
        post_office_id: None,
    };
    let seller_ids: Vec<i64> = logins.sellers.iter().map(|s| s.id).collect();
    let tax_codes: Vec<String> = Seller::find_many(conn, &seller_ids)
        .expect("sellers")
        .into_iter()
        .filter_map(|s| s.tax_code)
        .collect();
    assert_eq!(tax_codes.len(), 3, "three demo sellers with tax codes");

    // 2. Import.
    let rows: Vec<Vec<Cell>> = (0..PRODUCTS).map(|i| row(i, &tax_codes)).collect();
    let csv = csv_bytes(&rows);
    let xlsx = xlsx_bytes(&rows, dir.path());
    drop(rows);

    let (table, read_csv) = measure(|| read_table("san-pham.csv", &csv).expect("csv reads"));
    assert_eq!(table.rows.len(), PRODUCTS);
    drop(table);
    let (table, read_xlsx) = measure(|| read_table("san-pham.xlsx", &xlsx).expect("xlsx reads"));
    assert_eq!(table.rows.len(), PRODUCTS);
    drop(table);

    let (dry, dry_run) = measure(|| {
        imported(imports::import(
            conn,
            &admin,
            ImportKind::Products,
            "san-pham.csv",
            &csv,
            true,
        ))
    });
    assert_eq!((dry.created, dry.updated), (PRODUCTS, 0));
    let (created, import_csv) = measure(|| {
        imported(imports::import(
            conn,
            &admin,
            ImportKind::Products,
            "san-pham.csv",
            &csv,
            false,
        ))
    });
    assert_eq!((created.created, created.updated), (PRODUCTS, 0));
    let (updated, import_xlsx) = measure(|| {
        imported(imports::import(
            conn,
            &admin,
            ImportKind::Products,
            "san-pham.xlsx",
            &xlsx,
            false,
        ))
    });
    assert_eq!((updated.created, updated.updated), (0, PRODUCTS));

    // 3. A photo each: rows only, the export builds URLs from the keys.
    let ids = exports::resolve(conn, &admin, &Selection::default()).expect("listed products");
    assert_eq!(ids.len(), PRODUCTS, "every imported product is listed");
    let photo_start = Instant::now();
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        let at = now();
        for id in &ids {
            Photo::append(conn, *id, &format!("benchkey{id:06}"), 1024, 768, at)?;
        }
        Ok(())
    })
    .expect("photos");
    let photo_ms = photo_start.elapsed().as_secs_f64() * 1e3;

    // 4. Exports.
    let xlsx_export = export(conn, &settings, &admin, SheetFormat::Xlsx);
    let csv_export = export(conn, &settings, &admin, SheetFormat::Csv);

    // 5. The reference, twice: the first warms the page cache as the
    // exports found it.
    reference(conn, &ids);
    let ((ref_rows, ref_bytes), reference_phase) = measure(|| reference(conn, &ids));
    assert_eq!(ref_rows, PRODUCTS);

    // 6. Summary.
    let ref_ms = reference_phase.ms;
    println!();
    println!("exports benchmark ({PRODUCTS} products, 3 sellers, SQLite, one thread)");
    println!("{:-<78}", "");
    println!(
        "files: import CSV {:.1} MB, import XLSX {:.1} MB; read_table alone: csv {:.0} ms, xlsx {:.0} ms",
        mb(csv.len()),
        mb(xlsx.len()),
        read_csv.ms,
        read_xlsx.ms
    );
    for (label, p) in [
        ("csv dry run    ", &dry_run),
        ("csv (create)   ", &import_csv),
        ("xlsx (update)  ", &import_xlsx),
    ] {
        println!(
            "import {PRODUCTS} products  {label}: {:>6.0} ms ({:>6.0} rows/s), {}, {:.1}x reference",
            p.ms,
            p.rows_per_s(),
            p.memory(),
            p.ms / ref_ms
        );
    }
    println!("photos: {PRODUCTS} Photo::append in one transaction: {photo_ms:.0} ms");
    for (label, e) in [("xlsx", &xlsx_export), ("csv ", &csv_export)] {
        println!(
            "export {PRODUCTS} products  {label}: {:>6.0} ms ({:>6.0} rows/s), {:.1} MB, {}, {:.1}x reference",
            e.phase.ms,
            e.phase.rows_per_s(),
            e.size as f64 / 1e6,
            e.phase.memory(),
            e.phase.ms / ref_ms
        );
        println!(
            "       exported {}, held {}, read back {} data rows",
            e.exported, e.held, e.verified_rows
        );
    }
    println!(
        "reference find_many x{CHUNK} + csv crate: {:>6.0} ms ({:>6.0} rows/s), {:.1} MB, {}",
        ref_ms,
        reference_phase.rows_per_s(),
        mb(ref_bytes),
        reference_phase.memory()
    );
    println!(
        "ratios to reference: export xlsx {:.1}x, export csv {:.1}x, import csv {:.1}x (dry run {:.1}x), import xlsx {:.1}x",
        xlsx_export.phase.ms / ref_ms,
        csv_export.phase.ms / ref_ms,
        import_csv.ms / ref_ms,
        dry_run.ms / ref_ms,
        import_xlsx.ms / ref_ms
    );
    println!("total {:.1} s", total.elapsed().as_secs_f64());
    println!("{:-<78}", "");

    drop(pooled);
    drop(pool);
    dir.close().expect("temp dir removed");
}
