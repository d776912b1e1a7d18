// Package offline runs the lab's program with the real Pulumi engine
// (pkg/v3's engine and its deploytest plugin host), offline: a preview
// against a base checkpoint, or a deployment that records one. The AWS
// provider is a stand-in that answers lookups like internal/proof/offlineplan's mocks
// and decides replace or update from terraform-provider-aws's ForceNew
// attributes (package forcenew). It needs only what the program's root
// module has had since before the review tool, so that a base commit's
// program can be run by it (cmd/state).
package offline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/blang/semver"
	bdisplay "github.com/pulumi/pulumi/pkg/v3/backend/display"
	"github.com/pulumi/pulumi/pkg/v3/engine"
	lt "github.com/pulumi/pulumi/pkg/v3/engine/lifecycletest/framework"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/pkg/v3/util/cancel"
	pkgworkspace "github.com/pulumi/pulumi/pkg/v3/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/esc"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
	"github.com/platformlab/s3-gateway-lab/tools/preview/forcenew"
)

// AWSProviderVersion is the pulumi-aws version the stand-in provider
// claims, the one the root module's go.mod pins.
var AWSProviderVersion = semver.MustParse("6.83.4")

// Stack names the program run: the project directory, the stack and its
// configuration (fully qualified keys, as the engine passes them).
type Stack struct {
	Root   string
	Name   string
	Config map[string]string
	// Problems are the stack files' problems, reported with the program's.
	Problems []error
}

// LoadStack reads stack's configuration from the project directory root
// as the engine reads it (EngineConfig), with the project's own checks of
// the stack file (labstack.StackConfig's FileProblems) on top.
func LoadStack(root, stack string) (Stack, error) {
	cfg, err := EngineConfig(root, stack)
	if err != nil {
		return Stack{}, err
	}
	var ps []error
	_, err = labstack.StackConfig(root, stack)
	var problems labstack.FileProblems
	switch {
	case errors.As(err, &problems):
		for _, p := range problems {
			ps = append(ps, p)
		}
	case err != nil:
		return Stack{}, err
	}
	return Stack{Root: root, Name: stack, Config: cfg, Problems: ps}, nil
}

// EngineConfig returns the configuration the engine passes to the program
// for stack: the files read by the engine's loaders (workspace.LoadProject,
// LoadProjectStack) and checked and completed by pkg/v3's
// ValidateStackConfigAndApplyProjectConfig (types, defaults, missing keys),
// as `pulumi up` does. A secure: value becomes labstack.SecretPlaceholder:
// there is no key to decrypt it offline.
func EngineConfig(root, stack string) (map[string]string, error) {
	proj, ps, _, err := labstack.LoadStackFiles(root, stack)
	if err != nil {
		return nil, err
	}
	if err := pkgworkspace.ValidateStackConfigAndApplyProjectConfig(context.Background(), stack, proj, esc.Value{},
		ps.Config, config.NopEncrypter, config.NopDecrypter); err != nil {
		return nil, fmt.Errorf("stack %s configuration: %w", stack, err)
	}
	out := map[string]string{}
	for k, v := range ps.Config {
		if v.Secure() {
			out[k.String()] = labstack.SecretPlaceholder
			continue
		}
		s, err := v.Value(config.NopDecrypter)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", k, err)
		}
		out[k.String()] = s
	}
	return out, nil
}

// Result is what one engine operation produced.
type Result struct {
	// Events are the engine's events, resource events sorted by URN.
	Events []engine.Event
	// Snapshot is the state after the operation (nil for a preview).
	Snapshot *deploy.Snapshot
	// Changes counts the steps by operation.
	Changes map[string]int
	// Replacements says, per replaced resource, why.
	Replacements map[resource.URN]Decision
}

// Run runs the program of st against base with the engine: a preview
// (dryRun) or a deployment whose final snapshot is returned. base is not
// modified (the engine mutates the snapshot it is given, even in a
// preview, so it gets a copy).
func Run(st Stack, base *deploy.Snapshot, destroy, dryRun bool) (*Result, error) {
	table, err := forcenew.Load()
	if err != nil {
		return nil, err
	}
	if base != nil {
		if base, err = copySnapshot(base); err != nil {
			return nil, err
		}
	}
	mocks := &offlineplan.Mocks{Project: settings.Project, Stack: st.Name, Region: st.Config["aws:region"]}
	var programErr error
	programF := deploytest.NewLanguageRuntimeF(func(info plugin.RunInfo, _ *deploytest.ResourceMonitor) error {
		ctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{
			Project:       info.Project,
			Stack:         info.Stack,
			Parallel:      info.Parallel,
			DryRun:        info.DryRun,
			MonitorAddr:   info.MonitorAddress,
			Config:        st.Config,
			RootDirectory: st.Root,
		})
		if err != nil {
			return fmt.Errorf("new context: %w", err)
		}
		err = pulumi.RunWithContext(ctx, func(ctx *pulumi.Context) error {
			outs, err := labstack.Declare(ctx, st.Config, st.Problems...)
			if err != nil {
				return err
			}
			for k, v := range outs {
				ctx.Export(k, v)
			}
			return nil
		})
		if err != nil {
			programErr = err
		}
		return err
	})
	decided := &decisions{}
	loader := deploytest.NewProviderLoader("aws", AWSProviderVersion, func() (plugin.Provider, error) {
		return newProvider(table, mocks, decided), nil
	})
	host := deploytest.NewPluginHostF(nil, nil, programF, nil, nil, loader)()
	defer func() { _ = host.Close() }()

	cfg := config.Map{}
	for k, v := range st.Config {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("config key %s: %w", k, err)
		}
		cfg[key] = config.NewValue(v)
	}
	stackName, err := tokens.ParseStackName(st.Name)
	if err != nil {
		return nil, fmt.Errorf("stack name %s: %w", st.Name, err)
	}
	target := &deploy.Target{Name: stackName, Config: cfg, Decrypter: config.NopDecrypter, Snapshot: base}
	project := &workspace.Project{Name: tokens.PackageName(settings.Project),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	info := engine.UpdateInfo{Root: st.Root, Project: project, Target: target}

	cancelCtx, cancelSrc := cancel.NewContext(context.Background())
	defer cancelSrc.Terminate()
	events := make(chan engine.Event)
	var collected []engine.Event
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for e := range events {
			collected = append(collected, e)
		}
	}()
	ectx := &engine.Context{Cancel: cancelCtx, Events: events, PluginManager: lt.NopPluginManager{}}
	var persister *capture
	if !dryRun {
		persister = &capture{}
		ectx.SnapshotManager = newSnapshotManager(persister, base)
	}
	opts := engine.UpdateOptions{
		Parallel: 1,
		HostFactory: func(context.Context, diag.Sink, diag.Sink, plugin.DebugContext) (plugin.Host, error) {
			return host, nil
		},
	}
	op, opName := engine.Update, "update"
	if destroy {
		op, opName = engine.Destroy, "destroy"
	}
	_, c, err := op(info, ectx, opts, dryRun)
	err = closeManager(ectx, err)
	changes := countChanges(c)
	close(events)
	wg.Wait()
	if err != nil {
		errs := []error{err, programErr}
		if !destroy {
			errs = append(errs, diagErrors(collected))
		}
		return nil, fmt.Errorf("%s %s: %w", opName, st.Name, errors.Join(errs...))
	}
	res := &Result{Events: sortEvents(collected), Changes: changes, Replacements: decided.m}
	if persister != nil {
		if res.Snapshot, err = persister.snapshot(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func countChanges[K ~string](c map[K]int) map[string]int {
	out := map[string]int{}
	for k, v := range c {
		out[string(k)] = v
	}
	return out
}

func closeManager(ectx *engine.Context, err error) error {
	if ectx.SnapshotManager != nil {
		err = errors.Join(err, ectx.SnapshotManager.Close())
	}
	return err
}

// diagErrors returns the engine's error diagnostics, which say why an
// operation failed.
func diagErrors(events []engine.Event) error {
	var errs []error
	for _, e := range events {
		if e.Type == engine.DiagEvent {
			p := e.Payload().(engine.DiagEventPayload)
			if p.Severity == diag.Error {
				errs = append(errs, errors.New(colors.Never.Colorize(p.Message)))
			}
		}
	}
	return errors.Join(errs...)
}

// sortEvents orders the resource events by URN (the Go SDK registers from
// goroutines, so the engine's order varies from run to run), keeping the
// events before the first and after the last resource event in place.
func sortEvents(events []engine.Event) []engine.Event {
	first, last := -1, -1
	for i, e := range events {
		if urnOf(e) != "" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return events
	}
	out := append([]engine.Event(nil), events...)
	mid := out[first : last+1]
	sort.SliceStable(mid, func(i, j int) bool { return urnOf(mid[i]) < urnOf(mid[j]) })
	return out
}

// urnOf returns the URN a resource event is about, or "".
func urnOf(e engine.Event) resource.URN {
	switch p := e.Payload().(type) {
	case engine.ResourcePreEventPayload:
		return p.Metadata.URN
	case engine.ResourceOutputsEventPayload:
		return p.Metadata.URN
	case engine.ResourceOperationFailedPayload:
		return p.Metadata.URN
	case engine.DiagEventPayload:
		return p.URN
	}
	return ""
}

// Render renders events as `pulumi preview --diff` (or `pulumi destroy
// --preview --diff`) prints them, without colors or timings.
func Render(st Stack, events []engine.Event, destroy bool) string {
	ch, done := make(chan engine.Event), make(chan bool)
	var stdout, stderr bytes.Buffer
	kind := apitype.UpdateUpdate
	if destroy {
		kind = apitype.DestroyUpdate
	}
	go bdisplay.ShowEvents("preview", kind, tokens.MustParseStackName(st.Name), tokens.PackageName(settings.Project),
		"", ch, done, bdisplay.Options{
			Color:               colors.Never,
			Type:                bdisplay.DisplayDiff,
			SuppressPermalink:   true,
			SuppressTimings:     true,
			SuppressProgress:    true,
			DeterministicOutput: true,
			Stdout:              &stdout,
			Stderr:              &stderr,
		}, true)
	// The engine's last event is a CancelEvent, which ends the display.
	for _, e := range events {
		ch <- e
	}
	<-done
	close(ch)
	return stdout.String() + stderr.String()
}
