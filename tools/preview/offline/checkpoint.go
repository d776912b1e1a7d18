package offline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/pkg/v3/backend"
	"github.com/pulumi/pulumi/pkg/v3/engine"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/pkg/v3/resource/stack"
	"github.com/pulumi/pulumi/pkg/v3/secrets/b64"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/providers"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/contract"
)

// capture is a SnapshotPersister that keeps the last deployment saved (the
// engine saves one after every step; it is read once, at the end).
type capture struct {
	last *apitype.DeploymentV3
}

func (c *capture) Save(d apitype.TypedDeployment) error {
	c.last = d.Deployment
	return nil
}

// snapshot reads the last deployment saved.
func (c *capture) snapshot() (*deploy.Snapshot, error) {
	if c.last == nil {
		return nil, nil
	}
	snap, err := stack.DeserializeDeploymentV3(context.Background(), *c.last, b64.Base64SecretsProvider)
	if err != nil {
		return nil, fmt.Errorf("read saved snapshot: %w", err)
	}
	return snap, nil
}

func newSnapshotManager(p *capture, base *deploy.Snapshot) engine.SnapshotManager {
	return backend.NewSnapshotManager(p, b64.NewBase64SecretsManager(), base, nil)
}

// copySnapshot returns a deep copy of snap, made by serializing it.
func copySnapshot(snap *deploy.Snapshot) (*deploy.Snapshot, error) {
	data, err := Marshal(snap)
	if err != nil {
		return nil, err
	}
	return Unmarshal(data)
}

// Marshal renders snap as a v3 checkpoint (`pulumi stack export`'s form)
// that is the same on every machine and every run: no timestamps, no
// source positions, provider IDs derived from their URNs, and the CLI
// version field empty.
func Marshal(snap *deploy.Snapshot) ([]byte, error) {
	snap = normalized(snap)
	d, err := stack.SerializeDeployment(context.Background(), snap, false)
	if err != nil {
		return nil, fmt.Errorf("serialize checkpoint: %w", err)
	}
	d.Manifest.Time = time.Time{}
	d.Manifest.Version = ""
	d.Manifest.Plugins = nil
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, mustJSON(apitype.UntypedDeployment{Version: apitype.DeploymentSchemaVersionCurrent,
		Deployment: raw}), "", "  "); err != nil {
		return nil, fmt.Errorf("indent checkpoint: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	contract.AssertNoErrorf(err, "marshal")
	return b
}

// Unmarshal reads a checkpoint written by Marshal (or `pulumi stack
// export`).
func Unmarshal(data []byte) (*deploy.Snapshot, error) {
	var u apitype.UntypedDeployment
	if err := json.Unmarshal(data, &u); err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	snap, err := stack.DeserializeUntypedDeployment(context.Background(), &u, b64.Base64SecretsProvider)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	return snap, nil
}

// ReadCheckpoint reads the checkpoint file path.
func ReadCheckpoint(path string) (*deploy.Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	return Unmarshal(data)
}

// normalized returns a copy of snap's resources without what varies from
// run to run: timestamps, source positions and stack traces, and the
// engine's random provider IDs, replaced by IDs derived from the
// providers' URNs (and every reference to them rewritten).
func normalized(snap *deploy.Snapshot) *deploy.Snapshot {
	ids := map[string]string{}
	var out []*pkgresource.State
	for _, r := range snap.Resources {
		c := r.Copy()
		c.Created, c.Modified = nil, nil
		c.SourcePosition = ""
		c.StackTrace = nil
		if providers.IsProviderType(c.Type) {
			sum := sha256.Sum256([]byte(c.URN))
			id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
			ids[string(c.URN)+"::"+string(c.ID)] = string(c.URN) + "::" + id
			c.ID = resource.ID(id)
		}
		out = append(out, c)
	}
	for _, c := range out {
		if ref, ok := ids[c.Provider]; ok {
			c.Provider = ref
		}
		slices.Sort(c.Dependencies)
		for k := range c.PropertyDependencies {
			slices.Sort(c.PropertyDependencies[k])
		}
	}
	return &deploy.Snapshot{Manifest: snap.Manifest, SecretsManager: snap.SecretsManager, Resources: ordered(out),
		Metadata: snap.Metadata}
}

// ordered sorts states so that each comes after what it needs (parent,
// provider, dependencies), as a checkpoint must, and otherwise by URN: the
// engine records them in the order they complete, which varies.
func ordered(states []*pkgresource.State) []*pkgresource.State {
	byURN := map[resource.URN]*pkgresource.State{}
	for _, s := range states {
		byURN[s.URN] = s
	}
	needs := func(s *pkgresource.State) []resource.URN {
		var out []resource.URN
		add := func(u resource.URN) {
			if _, ok := byURN[u]; ok && u != s.URN {
				out = append(out, u)
			}
		}
		add(s.Parent)
		if s.Provider != "" {
			if ref, err := providers.ParseReference(s.Provider); err == nil {
				add(ref.URN())
			}
		}
		for _, d := range s.Dependencies {
			add(d)
		}
		for _, ds := range s.PropertyDependencies {
			for _, d := range ds {
				add(d)
			}
		}
		return out
	}
	done := map[resource.URN]bool{}
	var out []*pkgresource.State
	for len(out) < len(states) {
		var ready []*pkgresource.State
		for _, s := range states {
			if done[s.URN] {
				continue
			}
			if !slices.ContainsFunc(needs(s), func(u resource.URN) bool { return !done[u] }) {
				ready = append(ready, s)
			}
		}
		if len(ready) == 0 {
			// A cycle cannot be in a checkpoint the engine wrote; keep the
			// rest in the engine's order rather than loop.
			for _, s := range states {
				if !done[s.URN] {
					out = append(out, s)
				}
			}
			break
		}
		slices.SortFunc(ready, func(a, b *pkgresource.State) int { return strings.Compare(string(a.URN), string(b.URN)) })
		first := ready[0]
		done[first.URN] = true
		out = append(out, first)
	}
	return out
}

// State deploys stack's program (Root's, with its files) from nothing with
// the stand-in provider and returns the checkpoint the engine records, as
// Marshal writes it: the base of a review, built from the base's program.
func State(root, stack string) ([]byte, error) {
	st, err := LoadStack(root, stack)
	if err != nil {
		return nil, err
	}
	res, err := Run(st, nil, false, false)
	if err != nil {
		return nil, err
	}
	return Marshal(res.Snapshot)
}
