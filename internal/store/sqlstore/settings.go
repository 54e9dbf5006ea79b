package sqlstore

import (
	"github.com/casemgr/casemgr/internal/casemgr"
)

// Settings returns the server-wide settings; the zero Settings when never set.
func (t *tx) Settings() (casemgr.Settings, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil {
			return casemgr.Settings{}, err
		}
		return c.settings, nil
	}
	return t.dbSettings()
}

func (t *tx) dbSettings() (casemgr.Settings, error) {
	s, err := queryOne(t, "settings", func(r scanner) (casemgr.Settings, error) {
		var s casemgr.Settings
		err := r.Scan(&s.CustomerDepartmentalization, &s.TenantID, &s.MaxSessionsPerUser, &s.MaxActivitiesToPull)
		return s, err
	}, `SELECT customer_departmentalization, tenant_id, max_sessions_per_user, max_activities_to_pull FROM settings WHERE id = 1`)
	if err != nil || s == nil {
		return casemgr.Settings{}, err
	}
	return *s, nil
}

// SetSettings replaces the server-wide settings.
func (t *tx) SetSettings(s casemgr.Settings) error {
	if err := t.writable("set settings"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("set settings", `INSERT INTO settings (id, customer_departmentalization, tenant_id, max_sessions_per_user, max_activities_to_pull)
		VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET customer_departmentalization = excluded.customer_departmentalization,
			tenant_id = excluded.tenant_id, max_sessions_per_user = excluded.max_sessions_per_user,
			max_activities_to_pull = excluded.max_activities_to_pull`,
		s.CustomerDepartmentalization, s.TenantID, s.MaxSessionsPerUser, s.MaxActivitiesToPull)
	return err
}
