//! The durable webhook outbox: rows are written in the same transaction as
//! the events they carry, so a crash between detection and delivery loses
//! nothing (at-least-once, with a stable delivery id for idempotency).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::{Db, DbError, Delivery, DeliveryStatus, NewDelivery, Result, parse_ts, ts};

/// The stable id of a delivery: derived from the webhook, the source and
/// what is reported (a version commit), so a replay after a crash produces
/// the same id and receivers can de-duplicate.
pub fn delivery_id(webhook: &str, source_id: &str, what: &str) -> String {
    let mut h = Sha256::new();
    for part in [webhook, source_id, what] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    format!("dlv_{}", hex::encode(&digest[..12]))
}

/// The delivery id of an operational notice: one per webhook, source, kind
/// and check time, so a replay of the same check cannot queue it twice.
pub fn notice_delivery_id(webhook: &str, source_id: &str, kind: &str, at: DateTime<Utc>) -> String {
    delivery_id(webhook, source_id, &format!("{kind}@{}", super::ts(at)))
}

pub(super) fn insert(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    d: &NewDelivery,
    source_id: &str,
    change_id: Option<i64>,
    event_ids: &[i64],
    at: &str,
) -> rusqlite::Result<()> {
    let ids = serde_json::to_string(event_ids).unwrap_or_else(|_| "[]".into());
    // OR IGNORE: the same delivery id means the same alert, already queued.
    tx.execute(
        "INSERT OR IGNORE INTO outbox (id, webhook, source_id, change_id, event_ids, payload, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![id, d.webhook, source_id, change_id, ids, d.payload, at],
    )?;
    Ok(())
}

const COLUMNS: &str = "SELECT id, webhook, source_id, change_id, event_ids, payload, status, attempts, next_attempt_at,
                              last_error, last_status, created_at, delivered_at FROM outbox";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 5]> {
    Ok([r.get(4)?, r.get(6)?, r.get(8)?, r.get(11)?, r.get(12)?])
}

impl Db {
    fn deliveries_where(&self, tail: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Delivery>> {
        let sql = format!("{COLUMNS} {tail}");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    Delivery {
                        id: r.get(0)?,
                        webhook: r.get(1)?,
                        source_id: r.get(2)?,
                        change_id: r.get(3)?,
                        event_ids: Vec::new(),
                        payload: r.get(5)?,
                        status: DeliveryStatus::Pending,
                        attempts: r.get(7)?,
                        next_attempt_at: DateTime::<Utc>::MIN_UTC,
                        last_error: r.get(9)?,
                        last_status: r.get(10)?,
                        created_at: DateTime::<Utc>::MIN_UTC,
                        delivered_at: None,
                    },
                    row(r)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(mut d, [ids, status, next, created, delivered])| {
                let ids = ids.unwrap_or_default();
                d.event_ids = serde_json::from_str(&ids)
                    .map_err(|_| self.bad(("outbox.event_ids".into(), ids.clone())))?;
                let status = status.unwrap_or_default();
                d.status = status
                    .parse()
                    .map_err(|_| self.bad(("outbox.status".into(), status.clone())))?;
                d.next_attempt_at = parse_ts(&next.unwrap_or_default(), "outbox.next_attempt_at")
                    .map_err(|c| self.bad(c))?;
                d.created_at = parse_ts(&created.unwrap_or_default(), "outbox.created_at")
                    .map_err(|c| self.bad(c))?;
                d.delivered_at = delivered
                    .map(|t| parse_ts(&t, "outbox.delivered_at"))
                    .transpose()
                    .map_err(|c| self.bad(c))?;
                Ok(d)
            })
            .collect()
    }

    /// Pending deliveries whose next attempt is due at `now`, oldest first.
    pub fn due_deliveries(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Delivery>> {
        self.deliveries_where(
            "WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, created_at LIMIT ?2",
            &[&ts(now), &(limit as i64)],
        )
    }

    /// Deliveries, newest first, optionally of one status.
    pub fn deliveries(
        &self,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        match status {
            Some(s) => self.deliveries_where(
                "WHERE status = ?1 ORDER BY created_at DESC, id LIMIT ?2",
                &[&s.as_str(), &(limit as i64)],
            ),
            None => {
                self.deliveries_where("ORDER BY created_at DESC, id LIMIT ?1", &[&(limit as i64)])
            }
        }
    }

    /// One delivery by id.
    pub fn delivery(&self, id: &str) -> Result<Delivery> {
        self.deliveries_where("WHERE id = ?1", &[&id])?
            .pop()
            .ok_or_else(|| DbError::UnknownDelivery(id.to_string()))
    }

    /// Counts of pending and dead deliveries (for `policywatch status`).
    pub fn delivery_counts(&self) -> Result<(i64, i64)> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'dead'), 0) FROM outbox",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    fn update_delivery(&self, id: &str, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<()> {
        let n = self.conn.execute(sql, args).map_err(|e| self.err(e))?;
        if n == 0 {
            let exists: Option<i64> = self
                .conn
                .query_row("SELECT 1 FROM outbox WHERE id = ?1", [id], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            if exists.is_none() {
                return Err(DbError::UnknownDelivery(id.to_string()));
            }
        }
        Ok(())
    }

    /// The receiver accepted the delivery.
    pub fn mark_delivered(&self, id: &str, status: Option<u16>, at: DateTime<Utc>) -> Result<()> {
        self.update_delivery(
            id,
            "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_status = ?2, delivered_at = ?3, last_error = NULL
             WHERE id = ?1",
            &[&id, &status, &ts(at)],
        )
    }

    /// An attempt failed; try again at `next_attempt_at`.
    pub fn mark_attempt_failed(
        &self,
        id: &str,
        error: &str,
        status: Option<u16>,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()> {
        self.update_delivery(
            id,
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, last_status = ?3, next_attempt_at = ?4
             WHERE id = ?1 AND status = 'pending'",
            &[&id, &error, &status, &ts(next_attempt_at)],
        )
    }

    /// An attempt failed for good (permanent error, too many attempts, too old).
    pub fn mark_dead(&self, id: &str, error: &str, status: Option<u16>) -> Result<()> {
        self.update_delivery(
            id,
            "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?2, last_status = ?3 WHERE id = ?1",
            &[&id, &error, &status],
        )
    }

    /// `policywatch webhook retry ID`: back to pending, due now, attempts reset.
    pub fn retry_delivery(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        self.update_delivery(
            id,
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2, delivered_at = NULL WHERE id = ?1",
            &[&id, &ts(now)],
        )
    }
}
