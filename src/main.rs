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
    /// Traceability stamps.
    #[command(subcommand)]
    Stamps(StampsCommand),
    /// Label sheets for printing.
    #[command(subcommand)]
    Labels(LabelsCommand),
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
        Command::Labels(LabelsCommand::Render {
            run,
            layout,
            format,
            serial,
            out,
        }) => render_labels(&settings, run, &layout, &format, serial, &out),
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
        services::label_sheets::render(&mut conn, &settings.public_base_url, &job, &mut writer)
            .map_err(|e| describe(&e))?;
    writer
        .flush()
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("{labels} labels written to {}", out.display());
    Ok(())
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
    use ocop::db::models::User;
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let user = match as_email {
        Some(email) => User::find_by_email(&mut conn, &email.trim().to_lowercase()),
        None => User::first_admin(&mut conn),
    }
    .map_err(|e| e.to_string())?
    .ok_or(
        "no such account: create an admin with `ocop user add --role admin` or pass --as EMAIL",
    )?;
    let actor = services::Actor {
        user_id: user.id,
        role: Role::parse(&user.role).map_err(|_| "the account has an unknown role".to_owned())?,
        seller_id: user.seller_id,
        post_office_id: user.post_office_id,
    };
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

/// Sends the due reminders and prints what was sent.
fn notify(settings: &Settings, today: Option<&str>) -> Result<(), String> {
    let today = match today {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| format!("--today must be a date like 2026-01-31, not {d:?}"))?,
        None => services::catalog::today_vn(),
    };
    let mailer = Mailer::from_settings(settings).map_err(|e| e.to_string())?;
    let pool = prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let report = services::notify::certificate_expiry(&mut conn, settings, &mailer, today)
        .map_err(|e| describe(&e))?;
    println!(
        "{today}: {} certificates expire within 60 days; {} reminders sent in {} mails",
        report.checked, report.reminders, report.mails
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
