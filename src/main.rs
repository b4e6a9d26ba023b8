//! The `ocop` command: serve (the default), migrate, user, demo.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use ocop::config::{ConfigArgs, Settings};
use ocop::domain::Role;
use ocop::mail::Mailer;
use ocop::services;
use ocop::startup::{Application, prepare_database};

#[derive(Parser)]
#[command(
    name = "ocop",
    version,
    about = "OCOP products: onboarding, traceability stamps, marketplace exports"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (the default).
    Serve {
        /// Load the Quan Hóa demo data first and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Send due reminders (certificates expiring within 60 and 14 days);
    /// safe to run daily or more often: each reminder goes out once.
    Notify {
        /// Act as if today were this date (YYYY-MM-DD), e.g. to catch up.
        #[arg(long)]
        today: Option<String>,
    },
    /// Write a marketplace export file of listed products (products with
    /// problems are held back and listed on stderr).
    Export {
        /// `thanhhoa`, `postmart`, `voso` or `generic`.
        #[arg(long)]
        channel: String,
        /// `xlsx` or `csv`.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Only this seller's products.
        #[arg(long, conflicts_with = "all")]
        seller: Option<i64>,
        /// Every seller's listed products.
        #[arg(long)]
        all: bool,
        /// Where to write the file.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Act as this account (default: the first admin).
        #[arg(long = "as")]
        as_email: Option<String>,
    },
    /// Traceability stamps.
    #[command(subcommand)]
    Stamps(StampsCommand),
    /// Label sheets for printing.
    #[command(subcommand)]
    Labels(LabelsCommand),
    /// Import sellers or products from an .xlsx or .csv file in the
    /// template's layout. Every row is checked first and nothing is written
    /// unless all are valid; rows update what they match by key (tax code;
    /// SKU within the seller), so importing a file again adds no duplicates.
    Import {
        /// `sellers` or `products`.
        #[arg(value_parser = ["sellers", "products"])]
        kind: String,
        /// The .xlsx or .csv file (at most 20 MB and 50,000 rows).
        #[arg(long)]
        file: std::path::PathBuf,
        /// Check every row and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Act as this staff or admin account (default: the first admin).
        #[arg(long = "as")]
        as_email: Option<String>,
    },
    /// Load the Quan Hóa demo data (safe to run again) and print the logins.
    Demo {
        /// Print the logins and demo products as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum LabelsCommand {
    /// Render a stamp run's labels to a file.
    Render {
        /// Stamp run id.
        #[arg(long)]
        run: i64,
        /// `a4-40`, `a4-21` or `roll-40x30` (default: the run's own).
        #[arg(long, default_value = "")]
        layout: String,
        /// `pdf` (sheets), `png` (a ZIP of 300 dpi labels, or one label with
        /// --serial) or `svg` (one label).
        #[arg(long, default_value = "pdf")]
        format: String,
        /// Only this label (1-based serial in the run).
        #[arg(long)]
        serial: Option<i32>,
        /// Where to write.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum StampsCommand {
    /// Issue a run of stamps for a product and print the run id.
    Issue {
        /// Product id.
        #[arg(long)]
        product: i64,
        /// Lot code of the product: the stamps are active at once.
        #[arg(long)]
        lot: Option<String>,
        /// How many stamps (1 to 100,000).
        #[arg(long)]
        count: i64,
        /// Print `{"run_id", "codes": [...]}`.
        #[arg(long)]
        json: bool,
        /// Act as this account (default: the first admin).
        #[arg(long = "as")]
        as_email: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an admin or staff account; the password is read from stdin.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// `admin` or `staff` (seller members join by invitation).
        #[arg(long)]
        role: String,
        /// Post office id, for staff.
        #[arg(long = "post-office")]
        post_office: Option<i64>,
        /// Read the password from standard input (required: never on the
        /// command line, where other users could see it).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OCOP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ocop: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let settings = Settings::from_args(cli.config).map_err(|e| e.to_string())?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            if demo {
                seed_demo(&settings, false)?;
            }
            serve(settings)
        }
        Command::Migrate => {
            prepare_database(&settings).map_err(|e| e.to_string())?;
            println!("migrations applied ({:?})", settings.database);
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            post_office,
            password_stdin: _,
        }) => {
            let role =
                Role::parse(&role).map_err(|_| "--role must be admin or staff".to_owned())?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let pool = prepare_database(&settings).map_err(|e| e.to_string())?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let user = services::accounts::create_user(
                &mut conn,
                &email,
                &name,
                role,
                post_office,
                password,
            )
            .map_err(|e| describe(&e))?;
            println!("created {} {} (id {})", user.role, user.email, user.id);
            Ok(())
        }
        Command::Demo { json } => seed_demo(&settings, json),
        Command::Notify { today } => notify(&settings, today.as_deref()),
        Command::Import {
            kind,
            file,
            dry_run,
            as_email,
        } => import_file(&settings, &kind, &file, dry_run, as_email.as_deref()),
        Command::Labels(LabelsCommand::Render {
            run,
            layout,
            format,
            serial,
            out,
        }) => render_labels(&settings, run, &layout, &format, serial, &out),
        Command::Export {
            channel,
            format,
            seller,
            all,
            out,
            as_email,
        } => export(
            &settings,
            &channel,
            &format,
            seller,
            all,
            &out,
            as_email.as_deref(),
        ),
        Command::Stamps(StampsCommand::Issue {
            product,
            lot,
            count,
            json,
            as_email,
        }) => issue_stamps(&settings, product, lot, count, json, as_email.as_deref()),
    }
}

/// Renders a run's labels to `out`, page by page: memory stays flat
/// whatever the run's size.
fn render_labels(
    settings: &Settings,
    run: i64,
    layout: &str,
    format: &str,
    serial: Option<i32>,
    out: &std::path::Path,
) -> Result<(), String> {
    use std::io::Write;
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let job = services::label_sheets::prepare_as_operator(&mut conn, run, layout, format, serial)
        .map_err(|e| describe(&e))?;
    let file =
        std::fs::File::create(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let labels =
        services::label_sheets::render(&mut conn, &settings.public_base_url, job, &mut writer)
            .map_err(|e| describe(&e))?;
    writer
        .flush()
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("{labels} labels written to {}", out.display());
    Ok(())
}

/// The account a command acts as: `--as EMAIL`, or the first admin.
fn acting_as(
    conn: &mut ocop::db::DbConn,
    as_email: Option<&str>,
) -> Result<services::Actor, String> {
    use ocop::db::models::User;
    let user = match as_email {
        Some(email) => User::find_by_email(conn, &email.trim().to_lowercase()),
        None => User::first_admin(conn),
    }
    .map_err(|e| e.to_string())?
    .ok_or(
        "no such account: create an admin with `ocop user add --role admin` or pass --as EMAIL",
    )?;
    Ok(services::Actor {
        user_id: user.id,
        role: Role::parse(&user.role).map_err(|_| "the account has an unknown role".to_owned())?,
        seller_id: user.seller_id,
        post_office_id: user.post_office_id,
    })
}

/// Writes an export file: the same export (and history entry) the pages
/// make, run here with a progress bar when stderr is a terminal.
#[allow(clippy::too_many_arguments)]
fn export(
    settings: &Settings,
    channel: &str,
    format: &str,
    seller: Option<i64>,
    all: bool,
    out: &std::path::Path,
    as_email: Option<&str>,
) -> Result<(), String> {
    use services::exports;
    if seller.is_none() && !all {
        return Err("choose the products: --seller ID or --all".into());
    }
    let channel = exports::parse_channel(channel).map_err(|_| {
        format!("--channel must be thanhhoa, postmart, voso or generic, not {channel:?}")
    })?;
    let format = exports::parse_format(format)
        .map_err(|_| format!("--format must be xlsx or csv, not {format:?}"))?;
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let actor = acting_as(&mut conn, as_email)?;
    let sel = exports::Selection {
        product_ids: Vec::new(),
        seller_id: seller,
    };
    let started =
        exports::start(&mut conn, &actor, channel, format, &sel).map_err(|e| match e {
            ocop::error::AppError::Validation(_) => "no listed products to export".to_owned(),
            ocop::error::AppError::NotFound => "no such seller".to_owned(),
            other => describe(&other),
        })?;
    let mut bar = ProgressBar::new();
    let done = exports::run(&mut conn, settings, started.id, &mut |n, total| {
        bar.draw(n, total)
    })
    .map_err(|e| describe(&e))?;
    bar.finish();
    let (path, _, _) =
        exports::file_of(&mut conn, settings, &actor, done.id).map_err(|e| describe(&e))?;
    std::fs::copy(&path, out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    for held in exports::held_products(&done) {
        let reasons: Vec<String> = held
            .problems
            .iter()
            .map(|p| ocop::i18n::exports::problem(ocop::i18n::Lang::En, &p.kind))
            .collect();
        eprintln!(
            "held back: product {} {}: {}",
            held.product_id,
            held.name_vi,
            reasons.join(" ")
        );
    }
    println!(
        "{} products exported to {} ({} held back)",
        done.exported,
        out.display(),
        done.held
    );
    Ok(())
}

/// A one-line progress bar on stderr, drawn only on a terminal so logs and
/// pipes stay clean.
struct ProgressBar {
    tty: bool,
    drawn: bool,
}

impl ProgressBar {
    fn new() -> ProgressBar {
        ProgressBar {
            tty: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            drawn: false,
        }
    }

    fn draw(&mut self, done: usize, total: usize) {
        if !self.tty || total == 0 {
            return;
        }
        const WIDTH: usize = 30;
        let filled = done.min(total) * WIDTH / total;
        eprint!(
            "\r[{}{}] {done}/{total}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled)
        );
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            eprintln!();
        }
    }
}

/// Issues a stamp run from the command line, acting as an admin.
fn issue_stamps(
    settings: &Settings,
    product: i64,
    lot: Option<String>,
    count: i64,
    json: bool,
    as_email: Option<&str>,
) -> Result<(), String> {
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let actor = acting_as(&mut conn, as_email)?;
    let keys = services::stamps::StampKeys::new(&settings.secret_key);
    let input = services::stamps::RunInput {
        count: count.to_string(),
        lot_code: lot.unwrap_or_default(),
        layout: String::new(),
    };
    let issued = services::stamps::issue_run(&mut conn, &actor, &keys, product, &input)
        .map_err(|e| describe(&e))?;
    if json {
        let codes: Vec<String> = issued.codes.iter().map(|c| c.to_string()).collect();
        let out = serde_json::json!({ "run_id": issued.run.id, "codes": codes });
        println!("{out}");
    } else {
        println!("{}", issued.run.id);
    }
    Ok(())
}

/// Imports a spreadsheet as an admin (or `--as`): one summary line on
/// success; otherwise each refused row on stderr, in English and Vietnamese,
/// and a failure exit.
fn import_file(
    settings: &Settings,
    kind: &str,
    file: &std::path::Path,
    dry_run: bool,
    as_email: Option<&str>,
) -> Result<(), String> {
    use ocop::error::AppError;
    use ocop::i18n::{Lang, imports as texts};
    use ocop::services::imports::{self, FileRefusal, ImportKind};
    let kind = ImportKind::parse(kind).ok_or("the kind must be sellers or products")?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let both = |refusal: &FileRefusal| {
        format!(
            "{} / {}",
            texts::refusal(Lang::En, refusal),
            texts::refusal(Lang::Vi, refusal)
        )
    };
    // Checked before reading, so a huge file is not loaded to be refused.
    let size = std::fs::metadata(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?
        .len();
    if size > ocop::sheets::MAX_IMPORT_BYTES as u64 {
        return Err(both(&FileRefusal::Unreadable(
            ocop::sheets::ReadError::TooLarge {
                max_mb: ocop::sheets::MAX_IMPORT_BYTES / (1024 * 1024),
            },
        )));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let actor = acting_as(&mut conn, as_email)?;
    match imports::import(&mut conn, &actor, kind, &file_name, &bytes, dry_run) {
        Ok(report) if report.dry_run => {
            println!(
                "dry run: {} rows valid ({} to create, {} to update), nothing written",
                report.rows, report.created, report.updated
            );
            Ok(())
        }
        Ok(report) => {
            println!(
                "{} rows: {} created, {} updated",
                report.rows, report.created, report.updated
            );
            Ok(())
        }
        Err(AppError::ImportRejected(report)) => {
            if let Some(refusal) = &report.refusal {
                return Err(both(refusal));
            }
            for p in &report.problems {
                eprintln!(
                    "row {}, column \"{}\": {} / {}",
                    p.row,
                    p.column,
                    texts::problem(Lang::En, report.kind, p),
                    texts::problem(Lang::Vi, report.kind, p)
                );
            }
            if report.problems_total > report.problems.len() {
                eprintln!(
                    "... and {} more problems",
                    report.problems_total - report.problems.len()
                );
            }
            Err(format!(
                "nothing was written: {} problems in {} rows",
                report.problems_total, report.rows_with_problems
            ))
        }
        Err(e) => Err(describe(&e)),
    }
}

/// Queues the due reminders, makes one delivery pass of the outbox (so a
/// cron job alone delivers, with or without a server running) and prints
/// what was done.
fn notify(settings: &Settings, today: Option<&str>) -> Result<(), String> {
    let today = match today {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| format!("--today must be a date like 2026-01-31, not {d:?}"))?,
        None => services::catalog::today_vn(),
    };
    let mailer = Mailer::from_settings(settings).map_err(|e| e.to_string())?;
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let report = {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        services::notify::certificate_expiry(&mut conn, settings, today)
            .map_err(|e| describe(&e))?
    };
    let policy = services::outbox::Policy::from_settings(settings);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let pass =
        services::outbox::deliver_due(&pool, &mailer, &policy, &stop).map_err(|e| describe(&e))?;
    println!(
        "{today}: {} certificates expire within 60 days; {} reminders queued in {} mails; \
         outbox: {} sent, {} to retry, {} failed",
        report.checked, report.reminders, report.mails, pass.sent, pass.retrying, pass.failed
    );
    Ok(())
}

/// Loads the demo data and prints its logins.
fn seed_demo(settings: &Settings, json: bool) -> Result<(), String> {
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let logins = services::demo::seed(&mut conn).map_err(|e| describe(&e))?;
    let products = services::demo::seed_catalog(&mut conn, &settings.data_dir, &logins)
        .map_err(|e| describe(&e))?;
    let keys = services::stamps::StampKeys::new(&settings.secret_key);
    let base = &settings.public_base_url;
    let stamps = services::demo::seed_stamps(&mut conn, &keys, base, &logins, &products)
        .map_err(|e| describe(&e))?;
    if json {
        let mut out = serde_json::to_value(&logins).map_err(|e| e.to_string())?;
        out["products"] = serde_json::to_value(&products).map_err(|e| e.to_string())?;
        out["stamps"] = serde_json::to_value(&stamps).map_err(|e| e.to_string())?;
        let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        println!("Demo data ready. Logins (demo only, never on a real instance):");
        println!("  admin  {}  {}", logins.admin.email, logins.admin.password);
        println!("  staff  {}  {}", logins.staff.email, logins.staff.password);
        for s in &logins.sellers {
            println!(
                "  seller {}  {}  ({}, id {})",
                s.email, s.password, s.name, s.id
            );
        }
        let names: Vec<&str> = products.iter().map(|p| p.name.as_str()).collect();
        println!("  products: {}", names.join(", "));
        if let Some(s) = stamps.iter().find(|s| s.outcome == "genuine") {
            println!("  scan a genuine stamp: {}", s.url);
        }
    }
    Ok(())
}

/// An error as the operator should read it: field problems in English.
fn describe(e: &ocop::error::AppError) -> String {
    match e {
        ocop::error::AppError::Validation(fields) => fields
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f.field,
                    ocop::i18n::reason(ocop::i18n::Lang::En, &f.reason)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    let mailer = Mailer::from_settings(&settings).map_err(|e| e.to_string())?;
    let bind = settings.bind.clone();
    let base = settings.public_base_url.clone();
    let database = format!("{:?}", settings.database);
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings, mailer).map_err(|e| e.to_string())?;
        tracing::info!(%bind, port = app.port(), %base, %database, "ocop is listening");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
