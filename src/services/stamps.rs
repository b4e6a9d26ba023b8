//! Stamp runs: minting serialised codes with a keyed check, writing a run
//! all at once, binding runs (or ranges of them) to lots, voiding.

use std::collections::HashSet;

use hmac::{Hmac, KeyInit, Mac};
use rand::RngExt;
use sha2::Sha256;

use crate::config::SecretKey;
use crate::db::DbConn;
use crate::db::models::{Lot, NewStamp, Stamp, StampRun, now};
use crate::domain::stamp_code::{CHECK_BITS, RANDOM_BITS};
use crate::domain::{FieldErrors, Reason, StampCode};
use crate::error::AppError;
use crate::labels::Layout;
use crate::services::catalog::managed_product;
use crate::services::{Actor, audit, audit_query, visible_seller};

/// The most stamps one run may hold.
pub const MAX_RUN: i64 = 100_000;

/// The key that signs stamp codes, derived from the instance secret (and
/// distinct from the session key), so a guessed code needs the secret.
#[derive(Clone)]
pub struct StampKeys {
    key: [u8; 32],
}

impl std::fmt::Debug for StampKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StampKeys(***)")
    }
}

impl StampKeys {
    pub fn new(secret: &SecretKey) -> StampKeys {
        use sha2::Digest;
        let mut h = Sha256::new();
        h.update(b"ocop/stamp/v1\0");
        h.update(secret.as_bytes());
        StampKeys {
            key: h.finalize().into(),
        }
    }

    fn check_of(&self, random: u64) -> u32 {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return 0;
        };
        mac.update(&random.to_be_bytes());
        let out = mac.finalize().into_bytes();
        let top = u32::from_be_bytes([out[0], out[1], out[2], out[3]]);
        top >> (32 - CHECK_BITS)
    }

    /// A fresh code: 60 bits from the operating system's CSPRNG plus its check.
    pub fn mint(&self) -> StampCode {
        let random = rand::rng().random::<u64>() & ((1u64 << RANDOM_BITS) - 1);
        StampCode::from_parts(random, self.check_of(random))
    }

    /// True when the code's check matches: a made-up code fails here,
    /// before any database lookup.
    pub fn verify(&self, code: &StampCode) -> bool {
        // The check is public once printed; comparing it in variable time
        // reveals nothing a scan of the stamp would not.
        self.check_of(code.random()) == code.check()
    }

    /// Parses and verifies `text` in one go.
    pub fn genuine_code(&self, text: &str) -> Option<StampCode> {
        StampCode::parse(text).ok().filter(|c| self.verify(c))
    }
}

/// What a stamp order says.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RunInput {
    /// How many stamps, 1 to 100,000.
    #[schema(required = true)]
    pub count: String,
    /// A lot code of the product: the stamps are active at once. Empty: the
    /// stamps are activated later (bind the run, or scan each while logged in).
    pub lot_code: String,
    /// A layout of `labels/` (`a4-40`, the default, `a4-21`, `roll-40x30`);
    /// only recorded, any layout can be rendered later.
    pub layout: String,
}

/// A freshly issued run and its codes, in serial order.
pub struct IssuedRun {
    pub run: StampRun,
    pub codes: Vec<StampCode>,
}

/// Issues a run for a product the actor manages. All stamps are written in
/// one transaction: all of them or none, and no code twice.
pub fn issue_run(
    conn: &mut DbConn,
    actor: &Actor,
    keys: &StampKeys,
    product_id: i64,
    input: &RunInput,
) -> Result<IssuedRun, AppError> {
    let (product, seller) = managed_product(conn, actor, product_id)?;
    let mut e = FieldErrors::new();
    let count = e.check(
        "count",
        crate::domain::catalog::whole_number(&input.count, 1, MAX_RUN),
    );
    let lot = if input.lot_code.trim().is_empty() {
        None
    } else {
        match Lot::find_by_code(conn, product.id, input.lot_code.trim())? {
            Some(l) => Some(l),
            None => {
                e.push("lot_code", Reason::Invalid);
                None
            }
        }
    };
    let layout = match input.layout.trim() {
        "" => "a4-40".to_owned(),
        name if Layout::by_name(name).is_some() => name.to_owned(),
        _ => {
            e.push("layout", Reason::InvalidChoice);
            String::new()
        }
    };
    e.into_result()?;
    let count = count.ok_or_else(|| AppError::internal("validated count missing"))?;
    let count = i32::try_from(count).map_err(AppError::internal)?;
    // A collision among 2^60 codes is all but impossible; should one happen,
    // the unique index refuses it and the whole run is minted again.
    for _ in 0..3 {
        let mut seen = HashSet::with_capacity(count as usize);
        let codes: Vec<StampCode> = std::iter::repeat_with(|| keys.mint())
            .filter(|c| seen.insert(c.random()))
            .take(count as usize)
            .collect();
        let at = now();
        let status = if lot.is_some() { "active" } else { "issued" };
        let result = conn.transaction(|conn| -> Result<StampRun, diesel::result::Error> {
            let run = StampRun::insert(
                conn,
                seller.id,
                product.id,
                lot.as_ref().map(|l| l.id),
                count,
                &layout,
                actor.user_id,
                at,
            )?;
            let rows: Vec<NewStamp<'_>> = codes
                .iter()
                .enumerate()
                .map(|(i, c)| NewStamp {
                    run_id: run.id,
                    serial: i as i32 + 1,
                    code: c.as_str(),
                    lot_id: lot.as_ref().map(|l| l.id),
                    status,
                    activated_at: lot.as_ref().map(|_| at),
                    activated_by: lot.as_ref().map(|_| actor.user_id),
                })
                .collect();
            Stamp::insert_all(conn, &rows)?;
            // In the same transaction: a run never exists without its entry.
            audit_query(
                conn,
                Some(actor),
                Some(seller.id),
                "stamps_issued",
                "stamp_run",
                Some(run.id),
                serde_json::json!({ "product_id": product.id, "count": count, "lot": lot.as_ref().map(|l| l.code.clone()) }),
            )?;
            Ok(run)
        });
        match result {
            Ok(run) => return Ok(IssuedRun { run, codes }),
            Err(e) if crate::db::is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::internal("could not mint unique stamp codes"))
}

/// A run the actor may manage.
pub fn managed_run(conn: &mut DbConn, actor: &Actor, run_id: i64) -> Result<StampRun, AppError> {
    let run = StampRun::find(conn, run_id)?.ok_or(AppError::NotFound)?;
    visible_seller(conn, actor, run.seller_id)?;
    Ok(run)
}

/// What a bind says: a lot of the run's product and an optional range.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BindInput {
    #[schema(required = true)]
    pub lot_code: String,
    /// First serial (default 1).
    pub from: String,
    /// Last serial (default the run's count).
    pub to: String,
}

/// Ties a run, or a range of it, to a lot: those stamps become genuine.
pub fn bind(
    conn: &mut DbConn,
    actor: &Actor,
    run_id: i64,
    input: &BindInput,
) -> Result<usize, AppError> {
    let run = managed_run(conn, actor, run_id)?;
    let mut e = FieldErrors::new();
    let lot = Lot::find_by_code(conn, run.product_id, input.lot_code.trim())?;
    if lot.is_none() {
        e.push("lot_code", Reason::Invalid);
    }
    let max = i64::from(run.count);
    let from = if input.from.trim().is_empty() {
        Some(1)
    } else {
        e.check(
            "from",
            crate::domain::catalog::whole_number(&input.from, 1, max),
        )
    };
    let to = if input.to.trim().is_empty() {
        Some(max)
    } else {
        e.check(
            "to",
            crate::domain::catalog::whole_number(&input.to, 1, max),
        )
    };
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.push("to", Reason::TooEarly);
    }
    if run.voided_at.is_some() {
        e.push("run", Reason::Invalid);
    }
    e.into_result()?;
    let (Some(lot), Some(from), Some(to)) = (lot, from, to) else {
        return Err(AppError::internal("validated fields missing"));
    };
    conn.transaction(|conn| {
        // The run's row before its stamps, as `void_run` locks them: the
        // other order deadlocks with it on PostgreSQL.
        if from == 1 && to == max {
            StampRun::set_lot(conn, run.id, lot.id)?;
        }
        let n = Stamp::bind_range(
            conn,
            run.id,
            from as i32,
            to as i32,
            lot.id,
            actor.user_id,
            now(),
        )?;
        audit(
            conn,
            Some(actor),
            Some(run.seller_id),
            "stamps_bound",
            "stamp_run",
            Some(run.id),
            serde_json::json!({ "lot": lot.code, "from": from, "to": to, "stamps": n }),
        )?;
        Ok(n)
    })
}

/// Voids a whole run: every stamp of it warns buyers from now on.
pub fn void_run(conn: &mut DbConn, actor: &Actor, run_id: i64) -> Result<usize, AppError> {
    let run = managed_run(conn, actor, run_id)?;
    conn.transaction(|conn| {
        StampRun::void(conn, run.id, now())?;
        let n = Stamp::void_run(conn, run.id)?;
        audit(
            conn,
            Some(actor),
            Some(run.seller_id),
            "stamps_voided",
            "stamp_run",
            Some(run.id),
            serde_json::json!({ "stamps": n }),
        )?;
        Ok(n)
    })
}

/// Voids one stamp by its code (a stamp torn off, a label misprinted).
pub fn void_stamp(
    conn: &mut DbConn,
    actor: &Actor,
    keys: &StampKeys,
    code: &str,
) -> Result<Stamp, AppError> {
    let code = keys.genuine_code(code).ok_or(AppError::NotFound)?;
    let stamp = Stamp::find_by_code(conn, code.as_str())?.ok_or(AppError::NotFound)?;
    let run = managed_run(conn, actor, stamp.run_id)?;
    conn.transaction(|conn| {
        Stamp::void(conn, stamp.id)?;
        audit(
            conn,
            Some(actor),
            Some(run.seller_id),
            "stamp_voided",
            "stamp",
            Some(stamp.id),
            serde_json::json!({ "code": stamp.code }),
        )?;
        Stamp::find_by_code(conn, code.as_str())?.ok_or(AppError::NotFound)
    })
}

/// Activates one issued stamp by tying it to a lot of its product: what a
/// seller does by scanning a stamp while logged in.
pub fn activate(
    conn: &mut DbConn,
    actor: &Actor,
    keys: &StampKeys,
    code: &str,
    lot_code: &str,
) -> Result<Stamp, AppError> {
    let code = keys.genuine_code(code).ok_or(AppError::NotFound)?;
    let stamp = Stamp::find_by_code(conn, code.as_str())?.ok_or(AppError::NotFound)?;
    let run = managed_run(conn, actor, stamp.run_id)?;
    if stamp.status == "void" {
        return Err(AppError::field("code", Reason::Invalid));
    }
    let lot = Lot::find_by_code(conn, run.product_id, lot_code.trim())?
        .ok_or_else(|| AppError::field("lot_code", Reason::Invalid))?;
    conn.transaction(|conn| {
        Stamp::bind_range(
            conn,
            run.id,
            stamp.serial,
            stamp.serial,
            lot.id,
            actor.user_id,
            now(),
        )?;
        audit(
            conn,
            Some(actor),
            Some(run.seller_id),
            "stamp_activated",
            "stamp",
            Some(stamp.id),
            serde_json::json!({ "code": stamp.code, "lot": lot.code }),
        )?;
        Stamp::find_by_code(conn, code.as_str())?.ok_or(AppError::NotFound)
    })
}

/// The runs of a seller the actor may see, newest first.
pub fn runs_of_seller(
    conn: &mut DbConn,
    actor: &Actor,
    seller_id: i64,
) -> Result<Vec<StampRun>, AppError> {
    visible_seller(conn, actor, seller_id)?;
    Ok(StampRun::of_seller(conn, seller_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> StampKeys {
        StampKeys::new(&SecretKey::new(s.as_bytes().to_vec()))
    }

    #[test]
    fn minted_codes_verify_and_forged_ones_do_not() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let other = keys("another secret of 32 characters!!");
        let mut forged = 0;
        for _ in 0..1_000 {
            let c = k.mint();
            assert!(k.verify(&c));
            if other.verify(&c) {
                forged += 1;
            }
        }
        // 20 check bits: about one in a million passes by chance.
        assert!(forged <= 1, "{forged}");
        assert!(
            k.genuine_code("0000 0000 0000 0000").is_none()
                || k.verify(&StampCode::from_parts(0, 0))
        );
        let c = k.mint();
        let typed = c.grouped().to_lowercase();
        assert_eq!(k.genuine_code(&typed), Some(c));
    }
}
