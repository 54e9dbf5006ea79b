package sqlstore

import (
	"github.com/casemgr/casemgr/internal/casemgr"
)

func scanClientApp(r scanner) (casemgr.ClientApp, error) {
	var c casemgr.ClientApp
	err := r.Scan(&c.ClientID, &c.Name, &c.SecretHash, &c.OnBehalfOf)
	return c, err
}

// ClientApp returns a client application by its client ID.
func (t *tx) ClientApp(clientID string) (*casemgr.ClientApp, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.clientApp(clientID), err
	}
	return queryOne(t, "client app", scanClientApp,
		`SELECT client_id, name, secret_hash, on_behalf_of FROM client_apps WHERE client_id = ?`, clientID)
}

// ClientApps returns every client application, by client ID.
func (t *tx) ClientApps() ([]casemgr.ClientApp, error) { return t.dbClientApps() }

func (t *tx) dbClientApps() ([]casemgr.ClientApp, error) {
	return queryList(t, "client apps", scanClientApp, `SELECT client_id, name, secret_hash, on_behalf_of FROM client_apps ORDER BY client_id`)
}

// InsertClientApp stores a new client application.
func (t *tx) InsertClientApp(c *casemgr.ClientApp) error {
	if err := t.writable("insert client app"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("insert client app", `INSERT INTO client_apps (client_id, name, secret_hash, on_behalf_of) VALUES (?, ?, ?, ?)`,
		c.ClientID, c.Name, c.SecretHash, c.OnBehalfOf)
	return err
}
