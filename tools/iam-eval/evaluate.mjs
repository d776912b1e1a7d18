#!/usr/bin/env node
// evaluate.mjs runs IAM simulations with @cloud-copilot/iam-simulate, a third-party
// evaluator of AWS IAM policies, for the Go suite in internal/policyeval.
//
// stdin:  {"simulations": [{"id": "...", "simulation": <iam-simulate Simulation>}]}
// stdout: {"evaluator": {"name", "version"}, "results": [{"id", "result", "errors",
//          "blockedBy", "ignoredContextKeys", "denials", "grants"}]}
//
// The script decides nothing itself: which policies apply to a request and what the
// request carries are chosen by the Go test; this only runs the evaluator and reports
// its verdict and its reasons.
import { readFileSync } from 'node:fs'
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate'

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

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'))
  const results = []
  for (const { id, simulation } of input.simulations) {
    try {
      const response = await runSimulation(simulation, { simulationMode: 'Strict' })
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
