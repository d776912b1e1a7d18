#!/usr/bin/env node
// evaluate.mjs runs IAM simulations with @cloud-copilot/iam-simulate, a third-party
// evaluator of AWS IAM policies, for the Go suite in internal/proof/policyeval.
//
// stdin:  {"simulations": [{"id": "...", "simulation": <iam-simulate Simulation>,
//          "carriedContextKeys": ["s3:DataAccessPointArn", ...]}]}
// stdout: {"evaluator": {"name", "version"}, "results": [{"id", "result", "errors",
//          "blockedBy", "ignoredContextKeys", "carriedContextKeys", "denials", "grants"}]}
//
// The script decides nothing itself: which policies apply to a request and what the
// request carries are chosen by the Go test; this only runs the evaluator and reports
// its verdict and its reasons.
//
// carriedContextKeys (optional) names context keys that AWS sends with the request but
// that the evaluator's service data attaches to another resource type, so that
// runSimulation drops them as "ignored". The one use: a request through an S3 access
// point carries s3:DataAccessPointArn, s3:DataAccessPointAccount and
// s3:AccessPointNetworkOrigin, and AWS evaluates the bucket's policy (and the endpoint
// policy) for the bucket ARN with them - that is how a bucket policy delegates to access
// points - while iam-simulate lists those keys for the accesspoint resource types only.
// For such a simulation the script first runs runSimulation (which validates every policy
// and reports the ignored keys); only if every ignored key is a declared carried key does
// it run the evaluator's own authorize() once more with those keys kept, exactly as
// runSimulation calls it for a single resource. The verdict reports which keys were
// carried; any other ignored key is reported as ignored, as without the option.
import { readFileSync } from 'node:fs'
import { loadPolicy } from '@cloud-copilot/iam-policy'
import {
  getDenialReasons,
  getGrantReasons,
  isConditionKeyArray,
  isWildcardOnlyAction,
  runSimulation,
  typeForContextKey
} from '@cloud-copilot/iam-simulate'

// Modules of the pinned evaluator that its package does not export; imported by path,
// which package.json's exports map does not govern. They are what runSimulation itself
// calls after validating its input.
const internal = (path) =>
  import(new URL(`./node_modules/@cloud-copilot/iam-simulate/dist/esm/${path}`, import.meta.url))
const { authorize } = await internal('core_engine/CoreSimulatorEngine.js')
const { AwsRequestImpl } = await internal('request/request.js')
const { RequestContextImpl } = await internal('requestContext.js')
const { normalizeContextKeyCase } = await internal('context_keys/contextKeys.js')
const { DiscoveryContextKeyConstraints } = await internal(
  'context_keys/discoveryContextKeyConstraints.js'
)
const { expandShortArn } = await internal('util/resourceStrings.js')

const pkgName = '@cloud-copilot/iam-simulate'
// The package's exports map hides package.json, so read it from node_modules beside this file.
const pkgVersion = JSON.parse(
  readFileSync(new URL(`./node_modules/${pkgName}/package.json`, import.meta.url), 'utf8')
).version

/**
 * Summarises one simulation response into the small shape the Go test reads.
 */
function summarise(id, response) {
  if (response.resultType === 'error') {
    return { id, result: 'Error', errors: response.errors }
  }
  const analyses =
    response.resultType === 'single'
      ? [{ pattern: undefined, ...response.result }]
      : response.results.map((r) => ({ pattern: r.resourcePattern, ...r }))
  const out = {
    id,
    result: response.overallResult,
    blockedBy: [],
    ignoredContextKeys: [],
    denials: [],
    grants: []
  }
  for (const a of analyses) {
    out.blockedBy.push(...(a.analysis.blockedBy ?? []))
    out.ignoredContextKeys.push(...(a.ignoredContextKeys ?? []))
    if (a.analysis.result === 'Allowed') {
      out.grants.push(...getGrantReasons(a.analysis))
    } else {
      out.denials.push(...getDenialReasons(a.analysis))
    }
  }
  out.blockedBy = [...new Set(out.blockedBy)]
  out.ignoredContextKeys = [...new Set(out.ignoredContextKeys)]
  return out
}

/**
 * Runs the evaluator's authorize() for a single-resource simulation with every context
 * key kept, as runSimulation does after validation (no SCPs, RCPs, session policy or
 * permission boundary: the Go suite sends none).
 */
/** The claims of a GitHub Actions OIDC token, as IAM names them in a role trust policy. */
const oidcTokenKey = /^token\.actions\.githubusercontent\.com:(sub|aud)$/

async function authorizeKeepingKeys(simulation) {
  const { request } = simulation
  const context = {}
  for (const [key, value] of Object.entries(request.contextVariables)) {
    if (oidcTokenKey.test(key)) {
      // An OIDC provider's token claims (sub, aud) are single strings; the
      // evaluator's key data lists only some of GitHub's (repository,
      // environment, ...), not these, and typeForContextKey throws for them.
      context[key] = Array.isArray(value) ? value[0] : value
      continue
    }
    const type = await typeForContextKey(key.toLowerCase())
    const name = await normalizeContextKeyCase(key)
    context[name] = isConditionKeyArray(type) ? [value].flat() : Array.isArray(value) ? value[0] : value
  }
  const [service, action] = request.action.split(':')
  const named = (ps) => (ps ?? []).map(({ name, policy }) => loadPolicy(policy, { name }))
  return authorize({
    request: new AwsRequestImpl(
      request.principal,
      { resource: expandShortArn(request.resource.resource), accountId: request.resource.accountId },
      request.action,
      new RequestContextImpl(context),
      await isWildcardOnlyAction(service, action)
    ),
    sessionPolicy: undefined,
    identityPolicies: named(simulation.identityPolicies),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy ? loadPolicy(simulation.resourcePolicy, { name: simulation.resourcePolicy.name }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: simulation.vpcEndpointPolicies ? named(simulation.vpcEndpointPolicies) : undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
    },
    serviceSettings: { s3: { blockPublicAccess: simulation.additionalSettings?.s3?.blockPublicAccess } }
  })
}

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'))
  const results = []
  for (const { id, simulation, carriedContextKeys = [] } of input.simulations) {
    try {
      const response = await runSimulation(simulation, { simulationMode: 'Strict' })
      const ignored = response.resultType === 'single' ? response.result.ignoredContextKeys : []
      if (
        carriedContextKeys.length > 0 &&
        simulation.serviceControlPolicies.length === 0 &&
        simulation.resourceControlPolicies.length === 0 &&
        !simulation.sessionPolicy &&
        !simulation.permissionBoundaryPolicies &&
        ignored.length > 0 &&
        ignored.every((k) => carriedContextKeys.includes(k))
      ) {
        const analysis = await authorizeKeepingKeys(simulation)
        const out = summarise(id, {
          resultType: 'single',
          overallResult: analysis.result,
          result: { analysis, ignoredContextKeys: [] }
        })
        out.carriedContextKeys = ignored
        results.push(out)
        continue
      }
      results.push(summarise(id, response))
    } catch (err) {
      results.push({ id, result: 'Error', errors: { message: String(err?.stack ?? err) } })
    }
  }
  process.stdout.write(
    JSON.stringify({ evaluator: { name: pkgName, version: pkgVersion }, results }) + '\n'
  )
}

main().catch((err) => {
  process.stderr.write(`iam-eval: ${err?.stack ?? err}\n`)
  process.exit(1)
})
