package sqlstore

import (
	"github.com/casemgr/casemgr/internal/casemgr"
)

var departments = newTable("departments", "name", "shared_with", "transfer_queue_id",
	"force_categorization", "force_resolution_code")

func scanDepartment(r scanner) (casemgr.Department, error) {
	var d casemgr.Department
	var shared string
	if err := r.Scan(&d.ID, &d.Name, &shared, &d.TransferQueue, &d.ForceCategorization, &d.ForceResolutionCode); err != nil {
		return d, err
	}
	var err error
	d.SharedWith, err = decList[casemgr.ID](shared, "department sharedWith")
	return d, err
}

// Department returns a department by ID.
func (t *tx) Department(id casemgr.ID) (*casemgr.Department, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.department(id), err
	}
	return queryOne(t, "department", scanDepartment,
		`SELECT `+departments.all+` FROM departments WHERE id = ?`, id)
}

// DepartmentByName returns a department by its exact name.
func (t *tx) DepartmentByName(name string) (*casemgr.Department, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.departmentByName(name), err
	}
	return queryOne(t, "department by name", scanDepartment,
		`SELECT `+departments.all+` FROM departments WHERE name = ?`, name)
}

// Departments lists every department.
func (t *tx) Departments() ([]casemgr.Department, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.departments(), err
	}
	return t.dbDepartments()
}

func (t *tx) dbDepartments() ([]casemgr.Department, error) {
	return queryList(t, "departments", scanDepartment,
		`SELECT `+departments.all+` FROM departments ORDER BY id`)
}

// InsertDepartment stores a new department.
func (t *tx) InsertDepartment(d *casemgr.Department) error {
	if err := t.writable("insert department"); err != nil {
		return err
	}
	t.configChanged()
	return t.insertRow("insert department", departments, &d.ID, d.Name, encList(d.SharedWith), d.TransferQueue,
		d.ForceCategorization, d.ForceResolutionCode)
}
