package store

import (
	"database/sql"
	"fmt"
	"net/url"
	"time"
)

// sqliteReaders is the size of the SQLite pool for statements outside
// transactions. In WAL mode those reads run beside the one writer, so a long
// report does not hold up another tenant's reservation or quota read; more
// connections than this only make CPU-bound reads wait for each other.
const sqliteReaders = 4

// sqliteBusyTimeout is how long, in milliseconds, a connection waits for
// another connection or process to release the write lock before it gives
// up with "database is locked" (503). Writers that take turns (writeTurn)
// only meet it when a foreign writer holds the lock.
const sqliteBusyTimeout = 10000

// sqliteTurnTimeout bounds the wait for a writer's turn (writeTurn) when
// the caller's context does not end sooner: a request's deadline usually
// does; a CLI command gives up after this with "database is locked".
const sqliteTurnTimeout = time.Minute

// openSQLite opens the two pools on the SQLite file at path:
//
//   - writer, one connection, runs every transaction, each in its turn
//     (turn, see writeTurn: transactions of this process and of others, a
//     CLI command beside the server, take turns). Its transactions begin
//     IMMEDIATE: they take the file's write lock up front, waiting up to the
//     busy timeout for a writer that does not take turns. A DEFERRED
//     transaction would read first and fail at once with SQLITE_BUSY when it
//     tries to write after another process committed, because the busy
//     handler cannot help a stale snapshot.
//   - pool, sqliteReaders connections, runs statements outside transactions:
//     reads (WAL readers never block the writer, nor it them) and the odd
//     autocommit write, which takes the write lock for its one statement and
//     waits for it like a transaction does.
func openSQLite(path string) (pool, writer *sql.DB, turn *writeTurn, err error) {
	q := url.Values{}
	for _, p := range []string{fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout), "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	if turn, err = newWriteTurn(path); err != nil {
		return nil, nil, nil, err
	}
	if writer, err = sql.Open("sqlite", dsn); err != nil {
		_ = turn.close()
		return nil, nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	if pool, err = sql.Open("sqlite", dsn); err != nil {
		_, _ = writer.Close(), turn.close()
		return nil, nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	pool.SetMaxOpenConns(sqliteReaders)
	pool.SetMaxIdleConns(sqliteReaders)
	return pool, writer, turn, nil
}
