//! The store a test runs on: a temporary SQLite file, or a fresh database on this test process's
//! private PostgreSQL cluster ([`crate::postgres`]).

use crate::postgres;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

impl Store {
    /// The store under test: `KEYTURN_TEST_STORE=postgres`, else SQLite (`sqlite` or unset).
    pub fn under_test() -> Store {
        match std::env::var("KEYTURN_TEST_STORE").as_deref() {
            Err(_) | Ok("") | Ok("sqlite") => Store::Sqlite,
            Ok("postgres") => Store::Postgres,
            Ok(other) => panic!("KEYTURN_TEST_STORE={other}: say `sqlite` or `postgres`"),
        }
    }

    pub fn is_postgres(self) -> bool {
        self == Store::Postgres
    }
}

/// A fresh, empty database; `db` is the server's `--db` value (a SQLite path or a PostgreSQL
/// URL). A SQLite file goes with its temp dir on drop; a PostgreSQL database with its cluster
/// when the test process ends.
pub struct Database {
    pub store: Store,
    pub db: String,
    _dir: Option<tempfile::TempDir>,
}

impl Database {
    /// A fresh database of the store under test.
    pub fn under_test() -> Database {
        Database::fresh(Store::under_test())
    }

    pub fn fresh(store: Store) -> Database {
        match store {
            Store::Postgres => Database {
                store,
                db: postgres::fresh_database(),
                _dir: None,
            },
            Store::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("keyturn-test-")
                    .tempdir()
                    .expect("temp dir");
                let db = dir
                    .path()
                    .join("keyturn.db")
                    .to_str()
                    .expect("utf-8 temp path")
                    .to_owned();
                Database {
                    store,
                    db,
                    _dir: Some(dir),
                }
            }
        }
    }
}

/// The store's write lock held from outside (failure injection): SQLite's `BEGIN IMMEDIATE`,
/// PostgreSQL's `LOCK TABLE licenses IN EXCLUSIVE MODE` (blocks `SELECT … FOR UPDATE`).
pub enum WriteLock {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl WriteLock {
    /// Holds the lock on the database `db` (a `--db` value) until [`WriteLock::release`].
    pub async fn hold(db: &str) -> WriteLock {
        if db.starts_with("postgres://") {
            let (client, connection) = tokio_postgres::connect(db, tokio_postgres::NoTls)
                .await
                .expect("connect to the test database");
            tokio::spawn(connection);
            client
                .batch_execute("BEGIN; LOCK TABLE licenses IN EXCLUSIVE MODE")
                .await
                .expect("lock the licenses table");
            WriteLock::Postgres(client)
        } else {
            let conn = rusqlite::Connection::open(db).expect("open the test database");
            conn.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
            WriteLock::Sqlite(conn)
        }
    }

    pub async fn release(self) {
        match self {
            WriteLock::Sqlite(conn) => conn.execute_batch("ROLLBACK").expect("release the write lock"),
            WriteLock::Postgres(client) => client.batch_execute("ROLLBACK").await.expect("release the lock"),
        }
    }
}

/// Runs SQL on a database (SQLite file or PostgreSQL URL): the first column of the first row as
/// text ("" for NULL). For looking at what is stored, and for making an old release's rows.
pub fn sql(db: &str, query: &str) -> String {
    if db.starts_with("postgres://") {
        let name = db.rsplit('/').next().expect("a database name");
        let (ok, out) = crate::postgres::cluster().psql(name, query);
        assert!(ok, "{query}: {out}");
        out.trim().to_string()
    } else {
        let conn = rusqlite::Connection::open(db).expect("the SQLite file opens");
        conn.query_row(query, [], |r| r.get::<_, Option<String>>(0))
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .unwrap_or_default()
    }
}
