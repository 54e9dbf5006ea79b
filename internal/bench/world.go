package bench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
)

// WorldConfig sizes a generated world.
type WorldConfig struct {
	Customers  int
	Cases      int
	Activities int
	// BenchUsers is the number of load-driving users bench-001, ...
	// (password BenchPassword), who may do everything everywhere.
	BenchUsers int
	// BulkCases is the number of cases holding BulkCaseSize changeable
	// inbound emails each, the batches of the 75-activity workloads
	// (change case, transfer, change customer: a third each); each has a
	// partner case of the same customer that change-case moves them to.
	BulkCases int
	// Seed makes the world reproducible: one seed, one world.
	Seed uint64
	// Now is the time the world is generated at; activities are created
	// in the two years before it. Zero means time.Now.
	Now time.Time
}

// Defaults of a world.
const (
	DefaultBenchUsers = 64
	// DefaultBulkCases gives each 75-activity operation 32 batches, one
	// per client of a 32-client run.
	DefaultBulkCases = 96
	// BulkCaseSize is the number of activities of a bulk case: enough for
	// one 75-activity change-case, with some to spare.
	BulkCaseSize = 80
	// BenchPassword is the password of every bench user.
	BenchPassword = "bench"
	// AgentPassword is the password of every generated agent.
	AgentPassword = "agent"
	// BenchClientID and BenchClientSecret are the client application of
	// the world.
	BenchClientID     = "bench-client"
	BenchClientSecret = "bench-secret"
)

// Validate checks the sizes: every case needs a customer, and every case
// at least one activity (bulk cases BulkCaseSize).
func (c *WorldConfig) Validate() error {
	if c.BenchUsers <= 0 {
		c.BenchUsers = DefaultBenchUsers
	}
	if c.BulkCases < 0 {
		return fmt.Errorf("--bulk-cases must not be negative")
	}
	switch {
	case c.Customers < 2*c.BulkCases+10:
		return fmt.Errorf("--customers %d: at least %d (10 plus two per bulk case)", c.Customers, 2*c.BulkCases+10)
	case c.Cases < 2*c.BulkCases+10:
		return fmt.Errorf("--cases %d: at least %d (10 plus two per bulk case)", c.Cases, 2*c.BulkCases+10)
	case c.Activities < c.Cases+c.BulkCases*BulkCaseSize:
		return fmt.Errorf("--activities %d: at least one per case plus %d per bulk case (%d)",
			c.Activities, BulkCaseSize, c.Cases+c.BulkCases*BulkCaseSize)
	case c.BenchUsers > 999:
		return fmt.Errorf("--bench-users %d: at most 999", c.BenchUsers)
	}
	return nil
}

// The departments of every world. Service, Billing, Sales and Support are
// shared with one another and have a transfer workflow; Legal is shared with
// nobody and has none.
var worldDepts = []struct {
	id     casemgr.ID
	name   string
	weight int // share of customers, percent
	agents int
}{
	{1, "Service", 35, 24},
	{2, "Billing", 25, 16},
	{3, "Sales", 15, 12},
	{4, "Support", 20, 16},
	{5, "Legal", 5, 4},
}

// Department IDs of the transfer workload: two shared departments with
// transfer workflows.
const (
	DeptService casemgr.ID = 1
	DeptBilling casemgr.ID = 2
	DeptLegal   casemgr.ID = 5
)

// inboxQueue is the queue of a department that awaiting activities wait in
// and transfers land in; escalation the second one.
func inboxQueue(d casemgr.ID) casemgr.ID      { return d*10 + 1 }
func escalationQueue(d casemgr.ID) casemgr.ID { return d*10 + 2 }

var calltrackSubtypes = []string{"General", "Billing question", "Complaint", "Sales lead", "Technical support"}

// agentID is the user ID of the n-th agent (0-based) of department d.
func agentID(d casemgr.ID, n int) casemgr.ID { return 100*d + casemgr.ID(n) + 1 }

// BenchUserID is the user ID of the n-th (1-based) bench user.
func BenchUserID(n int) casemgr.ID { return 1000 + casemgr.ID(n) }

// BenchUserName is the login of the n-th (1-based) bench user.
func BenchUserName(n int) string { return fmt.Sprintf("bench-%03d", n) }

// ConfigFixture returns the configuration of the world as a fixture
// document: settings, departments, queues, agents, bench users, the client
// application, calltrack subtypes and custom attribute definitions. The
// bulk of the world (customers, cases, activities) is loaded separately.
func ConfigFixture(cfg WorldConfig) *fixture.Document {
	id := casemgr.FormatID
	f := &fixture.Document{
		Settings:          &fixture.Settings{CustomerDepartmentalization: true},
		CalltrackSubtypes: calltrackSubtypes,
		CustomAttributes: &fixture.Attributes{
			Case:     []fixture.AttrDef{{Name: "tier", Type: "enum", Values: []string{"gold", "silver", "bronze"}}},
			Activity: []fixture.AttrDef{{Name: "region", Type: "enum", Values: []string{"EMEA", "AMER", "APAC"}}},
			User:     []fixture.AttrDef{{Name: "employee_id", Type: "string", Unique: true}},
		},
		ClientApplications: []fixture.Client{{ClientID: BenchClientID, ClientSecret: BenchClientSecret, Name: "casemgr bench"}},
	}
	var allQueues, allUsers []string
	for _, d := range worldDepts {
		fd := fixture.Department{ID: id(d.id), Name: d.name}
		if d.id != DeptLegal {
			for _, o := range worldDepts {
				if o.id != d.id && o.id != DeptLegal {
					fd.SharedWith = append(fd.SharedWith, id(o.id))
				}
			}
			fd.TransferWorkflow = &fixture.Workflow{Queue: id(inboxQueue(d.id))}
		}
		f.Departments = append(f.Departments, fd)
		f.Queues = append(f.Queues,
			fixture.Queue{ID: id(inboxQueue(d.id)), Name: d.name + " inbox", Department: id(d.id)},
			fixture.Queue{ID: id(escalationQueue(d.id)), Name: d.name + " escalations", Department: id(d.id)})
		allQueues = append(allQueues, id(inboxQueue(d.id)), id(escalationQueue(d.id)))
	}
	licenseSets := [][]string{
		{casemgr.LicenseAdvisorDesktop, casemgr.LicenseCallTrackPlus},
		{casemgr.LicenseMailPlus, casemgr.LicenseCallTrackPlus},
		{casemgr.LicenseAdvisorDesktop, casemgr.LicenseMailPlus, casemgr.LicenseChatPlus},
		{casemgr.LicenseCallTrackPlus},
	}
	for _, d := range worldDepts {
		for n := range d.agents {
			uid := agentID(d.id, n)
			allUsers = append(allUsers, id(uid))
			actions := casemgr.AllActions
			if n%7 == 6 {
				actions = []string{casemgr.ActionCreateActivity, casemgr.ActionViewAgentConsole}
			}
			f.Users = append(f.Users, fixture.User{
				ID: id(uid), Name: fmt.Sprintf("%s-%02d", strings.ToLower(d.name), n+1), Password: AgentPassword,
				FirstName: firstNames[int(uid)%len(firstNames)], LastName: lastNames[int(uid*7)%len(lastNames)],
				Department: id(d.id), Licenses: licenseSets[n%len(licenseSets)], Actions: actions,
				CustomAttributes: map[string]string{"employee_id": "E-" + id(uid)},
			})
		}
	}
	var benchIDs []string
	for n := 1; n <= cfg.BenchUsers; n++ {
		benchIDs = append(benchIDs, id(BenchUserID(n)))
	}
	pullUsers := append(append([]string(nil), allUsers...), benchIDs...)
	for n := 1; n <= cfg.BenchUsers; n++ {
		uid := BenchUserID(n)
		var foreign []string
		for _, d := range worldDepts[1:] {
			foreign = append(foreign, id(d.id))
		}
		f.Users = append(f.Users, fixture.User{
			ID: id(uid), Name: BenchUserName(n), Password: BenchPassword,
			FirstName: "Bench", LastName: fmt.Sprintf("User %d", n),
			Department: id(DeptService), ForeignDepartments: foreign,
			Licenses: casemgr.AllLicenses, Actions: casemgr.AllActions,
			TransferActivitiesTo:       pullUsers,
			TransferActivitiesToQueues: allQueues,
			PullActivitiesFrom:         &fixture.Pull{Users: pullUsers, Queues: allQueues},
			PullQueues:                 []string{id(pullQueue)},
			CustomAttributes:           map[string]string{"employee_id": "B-" + id(uid)},
		})
	}
	return f
}

// Names and words of generated text.
var (
	firstNames = []string{"Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
		"Kai", "Lina", "Marco", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes", "Yuki", "Zoe"}
	lastNames = []string{"Anders", "Baker", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ibrahim",
		"Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka",
		"Urban", "Vogel", "Weber", "Xu", "Young"}
	companyWords = []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell"}
	topics       = []string{"invoice", "delivery", "refund", "password reset", "contract renewal", "damaged item",
		"upgrade", "cancellation", "billing address", "warranty claim", "login problem", "price question"}
	verbs = []string{"asked about", "complained about", "wants an update on", "reported a problem with", "confirmed", "disputed"}
)

// mix hashes an ID into well-spread bits, for text and choices that depend
// on the ID alone (the same in every pass over the world).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func pick[T any](list []T, h uint64) T { return list[h%uint64(len(list))] }

// Skeleton is what the generator decides about customers and cases, kept in
// memory (a few tens of bytes each) so activities can refer to them
// consistently. Everything else about a row is derived from its ID.
type Skeleton struct {
	cfg       WorldConfig
	now       time.Time
	customers []custSkel // index = ID-1
	cases     []caseSkel // index = ID-1
	// regularCustomers is the number of customers that regular cases
	// choose from; the ones after them belong to bulk cases.
	regularCustomers int
	regularCases     int
	contacts         int64
	points           int64
}

type custSkel struct {
	dept       casemgr.ID
	firstCt    casemgr.ID // first contact
	contacts   uint8
	email      casemgr.ID // email point of the first contact
	phone      casemgr.ID // phone point of the first contact
	social     casemgr.ID // 0 when none
	socialType uint8      // index into socialNetworks
	postal     bool       // the first contact has a postal address
	firstPoint casemgr.ID
}

type caseSkel struct {
	dept     casemgr.ID
	customer casemgr.ID
	owner    casemgr.ID
	open     bool
	bulk     bool
	created  int64 // milliseconds
}

var socialNetworks = []string{"Twitter", "Facebook", "Instagram"}

// NewSkeleton decides the customers and cases of a world.
func NewSkeleton(cfg WorldConfig) (*Skeleton, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	s := &Skeleton{cfg: cfg, now: casemgr.Millis(now)}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	s.regularCustomers = cfg.Customers - 2*cfg.BulkCases
	s.regularCases = cfg.Cases - 2*cfg.BulkCases
	s.customers = make([]custSkel, cfg.Customers)
	var ct, pt casemgr.ID
	for i := range s.customers {
		c := &s.customers[i]
		if i >= s.regularCustomers {
			// Bulk customers are in the two transfer departments.
			c.dept = DeptService + casemgr.ID(i%2)
		} else {
			c.dept = weightedDept(rng.IntN(100))
		}
		c.contacts = 1
		if rng.IntN(5) == 0 {
			c.contacts = 2
		}
		c.firstCt = ct + 1
		c.firstPoint = pt + 1
		// First contact: email and phone always, social sometimes.
		c.email, c.phone = pt+1, pt+2
		pt += 2
		if rng.IntN(6) == 0 {
			pt++
			c.social = pt
			c.socialType = uint8(rng.IntN(len(socialNetworks)))
		}
		if rng.IntN(20) == 0 {
			pt++
			c.postal = true
		}
		if c.contacts == 2 {
			pt += 2 // second contact: email and phone
		}
		ct += casemgr.ID(c.contacts)
	}
	s.contacts, s.points = ct, pt
	s.cases = make([]caseSkel, cfg.Cases)
	span := int64(2 * 365 * 24 * time.Hour / time.Millisecond)
	nowMs := s.now.UnixMilli()
	for i := range s.cases {
		c := &s.cases[i]
		if i < s.regularCases {
			c.customer = casemgr.ID(rng.IntN(s.regularCustomers) + 1)
			c.open = rng.IntN(4) != 0
		} else {
			// Bulk case j and its partner belong to bulk customer j.
			j := (i - s.regularCases) / 2
			c.customer = casemgr.ID(s.regularCustomers + j + 1)
			c.open = true
			c.bulk = (i-s.regularCases)%2 == 0
		}
		c.dept = s.customers[c.customer-1].dept
		if rng.IntN(10) != 0 {
			c.owner = agentID(c.dept, rng.IntN(agentCount(c.dept)))
		}
		c.created = nowMs - span + rng.Int64N(span-int64(30*24*time.Hour/time.Millisecond))
	}
	return s, nil
}

func weightedDept(p int) casemgr.ID {
	for _, d := range worldDepts {
		if p < d.weight {
			return d.id
		}
		p -= d.weight
	}
	return worldDepts[0].id
}

func agentCount(d casemgr.ID) int {
	for _, x := range worldDepts {
		if x.id == d {
			return x.agents
		}
	}
	return 1
}

// Counts returns the number of rows of each bulk table.
func (s *Skeleton) Counts() (customers, contacts, points, cases, activities int64) {
	return int64(len(s.customers)), s.contacts, s.points, int64(len(s.cases)), int64(s.cfg.Activities)
}

// Customer returns customer id (1-based) with its contacts and contact
// points, as the store keeps it.
func (s *Skeleton) Customer(id casemgr.ID) casemgr.Customer {
	c := &s.customers[id-1]
	h := mix(uint64(id))
	// Customers are created when the world is, as the fixture loader
	// creates them.
	cust := casemgr.Customer{ID: id, Department: c.dept, Created: s.now, LastModified: s.now}
	first, last := pick(firstNames, h), pick(lastNames, h>>8)
	switch h % 10 {
	case 0:
		cust.Type, cust.Name = "corporate", pick(companyWords, h>>16)+" "+strconv.FormatInt(id, 10)+" Ltd"
	case 1:
		cust.Type, cust.Name = "group", "The "+last+" family "+strconv.FormatInt(id, 10)
	default:
		cust.Type, cust.Name = "individual", first+" "+last+" "+strconv.FormatInt(id, 10)
	}
	pid := c.firstPoint
	for k := range int(c.contacts) {
		ctID := c.firstCt + casemgr.ID(k)
		hc := mix(uint64(ctID) ^ 0x5eed)
		ct := casemgr.Contact{ID: ctID, Customer: id, FirstName: contactFirstName(id, ctID, k), LastName: last}
		point := func(kind, typ, value string, attrs map[string]string) {
			ct.ContactPoints = append(ct.ContactPoints, casemgr.ContactPoint{ID: pid, Contact: ctID, Customer: id,
				Kind: kind, Type: typ, Value: value, Attrs: attrs})
			pid++
		}
		point(casemgr.KindEmail, "", emailAddress(id, ctID, k), nil)
		digits := phoneDigits(ctID)
		point(casemgr.KindPhone, pick(casemgr.PhoneTypes, hc>>8),
			"("+digits[:3]+") "+digits[3:6]+"-"+digits[6:], nil)
		if k == 0 && c.social != 0 {
			point(casemgr.KindSocial, socialNetworks[c.socialType],
				"@"+strings.ReplaceAll(strings.TrimSuffix(emailAddress(id, ctID, k), "@example.com"), ".", "_"), nil)
		}
		if k == 0 && c.postal {
			// The first line of the address is the point's value.
			point(casemgr.KindPostal, "home", strconv.FormatInt(id%300+1, 10)+" "+pick(lastNames, hc>>16)+" Street",
				map[string]string{
					"city": pick([]string{"Springfield", "Riverton", "Lakeside", "Hillview"}, hc>>24),
					"zip":  fmt.Sprintf("%05d", id%100000), "country": "US"})
		}
		cust.Contacts = append(cust.Contacts, ct)
	}
	return cust
}

// Case returns case id (1-based) as the store keeps it.
func (s *Skeleton) Case(id casemgr.ID) casemgr.Case {
	c := &s.cases[id-1]
	h := mix(uint64(id) ^ 0xca5e)
	cs := casemgr.Case{ID: id, Department: c.dept, Owner: c.owner, Customer: c.customer,
		Severity: pick(casemgr.Severities, h), Status: casemgr.CaseOpen,
		Subject:            capitalize(pick(topics, h>>8)) + " for customer " + strconv.FormatInt(c.customer, 10),
		OriginatingChannel: pick([]string{casemgr.TypeEmail, casemgr.TypeCalltrack, casemgr.TypeChat, casemgr.TypeWeb}, h>>16),
		Created:            time.UnixMilli(c.created).UTC(), CreatedBy: c.owner, LastModifiedBy: c.owner}
	if c.bulk {
		cs.Subject = "Bulk case of customer " + strconv.FormatInt(c.customer, 10)
	}
	if h>>24%3 == 0 {
		cs.Description = "Customer " + pick(verbs, h>>28) + " the " + pick(topics, h>>32) + "."
	}
	if h>>36%4 == 0 {
		cs.CustomAttributes = map[string][]string{"tier": {pick([]string{"gold", "silver", "bronze"}, h>>40)}}
	}
	cs.LastModified = cs.Created.Add(time.Duration(h>>44%(20*24*3600)) * time.Second)
	if !c.open {
		cs.Status = casemgr.CaseClosed
		t := cs.LastModified
		cs.LastClosed = &t
	}
	return cs
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// activityTypes and their shares (percent) among regular activities.
var activityTypes = []struct {
	name  string
	share int
}{
	{casemgr.TypeEmail, 45}, {casemgr.TypeCalltrack, 25}, {casemgr.TypeChat, 10},
	{casemgr.TypeSocial, 8}, {casemgr.TypeTask, 7}, {casemgr.TypeWeb, 5},
}

// Activities calls fn with every activity of the world, in ID order (a
// response after the activity it answers). The activity passed is reused
// between calls.
func (s *Skeleton) Activities(fn func(a *casemgr.Activity) error) error {
	rng := rand.New(rand.NewPCG(s.cfg.Seed, 2))
	var id casemgr.ID
	var a casemgr.Activity
	emit := func() error {
		id++
		a.ID = id
		// Who created and last changed it: its user, as the fixture
		// loader records it.
		a.CreatedBy, a.LastModifiedBy = a.AssignedUser, a.AssignedUser
		return fn(&a)
	}
	// Every case gets one activity first, so no case is empty; bulk
	// cases get BulkCaseSize, their partners one completed.
	total := s.cfg.Activities
	for ci := range s.cases {
		c := &s.cases[ci]
		caseID := casemgr.ID(ci + 1)
		n := 1
		if c.bulk {
			n = BulkCaseSize
		}
		for range n {
			s.activity(rng, &a, id+1, caseID, c)
			if c.bulk {
				s.changeable(rng, &a, c)
			} else if ci >= s.regularCases {
				a.Status, a.AssignedUser, a.Queue = casemgr.StatusCompleted, 0, 0
			}
			if err := emit(); err != nil {
				return err
			}
		}
	}
	// The rest lands on regular cases at random, with email replies.
	for int(id) < total {
		ci := rng.IntN(s.regularCases)
		c := &s.cases[ci]
		s.activity(rng, &a, id+1, casemgr.ID(ci+1), c)
		parent := a
		if err := emit(); err != nil {
			return err
		}
		parent.ID = id
		if int(id) < total && parent.Type == casemgr.TypeEmail && parent.Mode == casemgr.ModeInbound && rng.IntN(5) == 0 {
			s.reply(rng, &a, &parent)
			if err := emit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// activity fills a with a regular activity of case c.
func (s *Skeleton) activity(rng *rand.Rand, a *casemgr.Activity, id, caseID casemgr.ID, c *caseSkel) {
	cust := &s.customers[c.customer-1]
	*a = casemgr.Activity{Case: caseID, Department: c.dept, Customer: c.customer, Contact: cust.firstCt}
	p := rng.IntN(100)
	for _, t := range activityTypes {
		if p < t.share {
			a.Type = t.name
			break
		}
		p -= t.share
	}
	a.Mode = casemgr.ModeInbound
	h := mix(uint64(id) ^ 0xac7)
	topic := pick(topics, h)
	switch a.Type {
	case casemgr.TypeEmail:
		a.Subtype = "general"
		switch rng.IntN(10) {
		case 0:
			a.Mode = casemgr.ModeOutbound
		case 1:
			a.Mode = casemgr.ModeComposed
		}
		a.ContactPoint = cust.email
		a.Subject = "Re: " + topic
	case casemgr.TypeCalltrack:
		a.Subtype = pick(calltrackSubtypes, h>>8)
		if rng.IntN(4) == 0 {
			a.Mode = casemgr.ModeOutbound
		}
		a.ContactPoint = cust.phone
		a.Subject = "Call about " + topic
	case casemgr.TypeSocial:
		if cust.social != 0 {
			a.Subtype = socialNetworks[cust.socialType]
			a.ContactPoint = cust.social
		} else {
			a.Subtype = pick(socialNetworks, h>>8)
		}
		a.Subject = "Post about " + topic
	default:
		a.Subject = capitalize(topic)
	}
	a.ContentText = "Customer " + pick(verbs, h>>12) + " the " + topic + ". Reference " + strconv.FormatInt(id*7919%1000003, 10) + "."
	if a.Type == casemgr.TypeEmail || h>>20%3 == 0 {
		a.ContentHTML = "<p>" + a.ContentText + "</p>"
	}
	a.Priority = strconv.Itoa(int(h>>24%7) + 1)
	a.Created = time.UnixMilli(c.created + int64(h>>28%(25*24*3600))*1000).UTC()
	a.LastModified = a.Created.Add(time.Duration(h>>48%(48*3600)) * time.Second)
	if h>>40%10 < 3 {
		d := a.Created.Add(7 * 24 * time.Hour)
		a.DueDate = &d
	}
	if h>>44%10 < 3 {
		a.CustomAttributes = map[string][]string{"region": {pick([]string{"EMEA", "AMER", "APAC"}, h>>52)}}
	}
	if !c.open {
		a.Status = casemgr.StatusCompleted
	} else {
		switch p := rng.IntN(100); {
		case p < 40:
			a.Status = casemgr.StatusCompleted
		case p < 75:
			a.Status = casemgr.StatusAssigned
		case p < 95:
			a.Status = casemgr.StatusAwaitingAssignment
		default:
			a.Status = casemgr.StatusInWorkflow
		}
	}
	s.assign(rng, a, c)
	if a.Status == casemgr.StatusAssigned {
		switch rng.IntN(50) {
		case 0:
			a.Pinned = true
		case 1:
			a.LockedBy = a.AssignedUser
			t := s.now.Add(time.Duration(rng.IntN(7*24)+1) * time.Hour)
			a.LockExpires = &t
		}
	}
	s.contactPointData(a)
}

// changeable makes a an inbound email that every bulk operation accepts:
// assigned or awaiting assignment, neither pinned nor locked. One waiting
// waits in its department's inbox, so that no batch waits in both queues
// of its department: transfer-queue-75 moves a batch to the queue where
// none of it waits.
func (s *Skeleton) changeable(rng *rand.Rand, a *casemgr.Activity, c *caseSkel) {
	cust := &s.customers[c.customer-1]
	a.Type, a.Subtype, a.Mode, a.ContactPoint = casemgr.TypeEmail, "general", casemgr.ModeInbound, cust.email
	a.Status = casemgr.StatusAssigned
	if rng.IntN(3) == 0 {
		a.Status = casemgr.StatusAwaitingAssignment
	}
	a.Pinned, a.LockedBy, a.LockExpires = false, 0, nil
	s.assign(rng, a, c)
	if a.Queue != 0 {
		a.Queue = inboxQueue(c.dept)
	}
	s.contactPointData(a)
}

// assign sets the queue or the user that a's status calls for.
func (s *Skeleton) assign(rng *rand.Rand, a *casemgr.Activity, c *caseSkel) {
	a.AssignedUser, a.Queue = 0, 0
	switch a.Status {
	case casemgr.StatusAssigned:
		a.AssignedUser = agentID(c.dept, rng.IntN(agentCount(c.dept)))
	case casemgr.StatusAwaitingAssignment:
		a.Queue = inboxQueue(c.dept)
		if rng.IntN(5) == 0 {
			a.Queue = escalationQueue(c.dept)
		}
	case casemgr.StatusCompleted:
		if rng.IntN(2) == 0 {
			a.AssignedUser = agentID(c.dept, rng.IntN(agentCount(c.dept)))
		}
	}
}

// reply makes a the outbound reply to an inbound email: completed mostly,
// a draft (assigned to the parent's user) otherwise.
func (s *Skeleton) reply(rng *rand.Rand, a, parent *casemgr.Activity) {
	*a = *parent
	a.ResponseTo = parent.ID
	a.Mode = casemgr.ModeOutbound
	a.Subject = "Re: " + parent.Subject
	a.ContentText = "Thank you for your message. " + parent.ContentText
	a.ContentHTML = "<p>" + a.ContentText + "</p>"
	a.Pinned, a.LockedBy, a.LockExpires = false, 0, nil
	a.Created = parent.LastModified.Add(time.Hour)
	a.LastModified = a.Created
	if rng.IntN(6) == 0 && parent.Status != casemgr.StatusCompleted {
		a.Status = casemgr.StatusAssigned
		if a.AssignedUser == 0 {
			a.AssignedUser = agentID(parent.Department, rng.IntN(agentCount(parent.Department)))
		}
		a.Queue = 0
	} else {
		a.Status = casemgr.StatusCompleted
		a.Queue = 0
	}
}

// contactPointData records the address the activity came from.
func (s *Skeleton) contactPointData(a *casemgr.Activity) {
	a.ContactPointData = ""
	cust := &s.customers[a.Customer-1]
	switch a.ContactPoint {
	case 0:
	case cust.email:
		a.ContactPointData = emailAddress(a.Customer, cust.firstCt, 0)
	case cust.phone:
		a.ContactPointData = phoneDigits(cust.firstCt)
	}
}

// contactFirstName is the first name of the k-th contact of a customer: an
// individual's own first name for the first contact.
func contactFirstName(cust, contact casemgr.ID, k int) string {
	if h := mix(uint64(cust)); k == 0 && h%10 >= 2 {
		return pick(firstNames, h)
	}
	return pick(firstNames, mix(uint64(contact)^0x5eed))
}

// emailAddress is the email address of the k-th contact of a customer.
func emailAddress(cust, contact casemgr.ID, k int) string {
	last := pick(lastNames, mix(uint64(cust))>>8)
	return strings.ToLower(contactFirstName(cust, contact, k) + "." + last + "." + strconv.FormatInt(contact, 10) + "@example.com")
}

// phoneDigits is the phone number of a contact, ten digits.
func phoneDigits(contact casemgr.ID) string {
	return fmt.Sprintf("%010d", 2000000000+contact%7999999999)
}
