package sqlstore

import (
	"errors"

	"github.com/casemgr/casemgr/internal/casemgr"
)

var users = newTable("users", "name", "first_name", "last_name", "department_id",
	"foreign_departments", "licenses", "actions", "transfer_to", "pull_users", "pull_queues",
	"custom_attributes", "password_hash", "pull_option_queues", "max_activities_to_pull",
	"transfer_to_queues")

func scanUser(r scanner) (casemgr.User, error) {
	var u casemgr.User
	var foreign, licenses, actions, transferTo, pullUsers, pullQueues, attrs, pullOptions, transferToQueues string
	if err := r.Scan(&u.ID, &u.Name, &u.FirstName, &u.LastName, &u.Department,
		&foreign, &licenses, &actions, &transferTo, &pullUsers, &pullQueues,
		&attrs, &u.PasswordHash, &pullOptions, &u.MaxActivitiesToPull, &transferToQueues); err != nil {
		return u, err
	}
	var errs [9]error
	u.ForeignDepartments, errs[0] = decList[casemgr.ID](foreign, "user foreignDepartments")
	u.Licenses, errs[1] = decList[string](licenses, "user licenses")
	u.Actions, errs[2] = decList[string](actions, "user actions")
	u.TransferTo, errs[3] = decList[casemgr.ID](transferTo, "user transferTo")
	u.PullUsers, errs[4] = decList[casemgr.ID](pullUsers, "user pullUsers")
	u.PullQueues, errs[5] = decList[casemgr.ID](pullQueues, "user pullQueues")
	u.CustomAttributes, errs[6] = decMap[string](attrs, "user customAttributes")
	u.PullOptionQueues, errs[7] = decList[casemgr.ID](pullOptions, "user pullOptionQueues")
	u.TransferToQueues, errs[8] = decList[casemgr.ID](transferToQueues, "user transferToQueues")
	return u, errors.Join(errs[:]...)
}

// User returns a user by ID.
func (t *tx) User(id casemgr.ID) (*casemgr.User, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.user(id), err
	}
	return queryOne(t, "user", scanUser, `SELECT `+users.all+` FROM users WHERE id = ?`, id)
}

// UserByName returns a user by login name (exact).
func (t *tx) UserByName(name string) (*casemgr.User, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.userByLogin(name), err
	}
	return queryOne(t, "user by name", scanUser, `SELECT `+users.all+` FROM users WHERE name = ?`, name)
}

// Users lists every user.
func (t *tx) Users() ([]casemgr.User, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.allUsers(), err
	}
	return t.dbUsers()
}

func (t *tx) dbUsers() ([]casemgr.User, error) {
	return queryList(t, "users", scanUser, `SELECT `+users.all+` FROM users ORDER BY id`)
}

// InsertUser stores a new user.
func (t *tx) InsertUser(u *casemgr.User) error {
	if err := t.writable("insert user"); err != nil {
		return err
	}
	t.configChanged()
	return t.insertRow("insert user", users, &u.ID, u.Name, u.FirstName, u.LastName, u.Department,
		encList(u.ForeignDepartments), encList(u.Licenses), encList(u.Actions), encList(u.TransferTo),
		encList(u.PullUsers), encList(u.PullQueues), encMap(u.CustomAttributes), u.PasswordHash,
		encList(u.PullOptionQueues), u.MaxActivitiesToPull,
		encList(u.TransferToQueues))
}
