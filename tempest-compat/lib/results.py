"""Reads tempest's subunit stream and keeps score against the checked-in lists.

Writes results.json (every test: status, and the reason for skips and failures) and summary.md
(counts per tempest module), then checks the regression gate: every test in expected-pass.txt
must pass. Exit status 1 when the gate fails or a failing test has no recorded reason.
"""
import argparse
import json
import re
import sys
from collections import Counter, OrderedDict

import subunit
import testtools

STATUS = {'success': 'pass', 'fail': 'fail', 'skip': 'skip', 'xfail': 'pass', 'uxsuccess': 'fail'}


def base_id(test_id):
    """tempest ids carry attributes in brackets ("...test_x[id-...,smoke]"); the lists use the plain id."""
    return test_id.split('[', 1)[0]


def read_subunit(path):
    tests = {}

    def on_test(test):
        status = STATUS.get(test['status'])
        if status is None:
            return  # 'exists'/'inprogress' events from a test listing, not a result
        reason = ''
        details = test.get('details', {})
        if 'reason' in details:
            reason = details['reason'].as_text()
        elif status == 'fail' and 'traceback' in details:
            reason = last_line(details['traceback'].as_text())
        tests[fixture_id(test['id'])] = {'status': status, 'reason': reason.strip(), 'tags': sorted(test.get('tags', []))}

    with open(path, 'rb') as stream:
        case = subunit.ByteStreamToStreamResult(stream, non_subunit_name='stdout')
        result = testtools.StreamToDict(on_test)
        result.startTestRun()
        case.run(result)
        result.stopTestRun()
    return tests


def fixture_id(test_id):
    """Class fixtures report as "setUpClass (tempest...Class)"; name them "tempest...Class.setUpClass"."""
    match = re.match(r'^(\w+) \((.+)\)$', test_id)
    return f'{match.group(2)}.{match.group(1)}' if match else test_id


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ''


def read_list(path):
    """One entry a line; '#' starts a comment. Returns entries in file order."""
    entries = []
    with open(path) as f:
        for line in f:
            entry = line.split('#', 1)[0].strip()
            if entry:
                entries.append(entry)
    return entries


def read_reasons(path):
    """Lines "regex  # reason": the reason recorded for tests that fail or are excluded."""
    reasons = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            pattern, _, reason = line.partition('#')
            reasons.append((re.compile(pattern.strip()), reason.strip()))
    return reasons


def reason_for(test_id, reasons):
    for pattern, reason in reasons:
        if pattern.search(test_id):
            return reason
    return None


def module_of(test_id):
    """tempest.api.compute.servers.test_servers.ServersTestJSON.test_x -> compute.servers.test_servers"""
    parts = base_id(test_id).split('.')
    return '.'.join(parts[2:-2]) if len(parts) > 4 else base_id(test_id)


STATUSES = ('pass', 'fail', 'skip', 'excluded')


def per_test(tests, listed, excluded):
    """One result per listed test: its own, else its class's (setUpClass skipped or failed), else excluded.

    Without a listing (the gate), the stream's entries are used as they are.
    """
    if not listed:
        return dict(tests)
    out = {}
    for full in listed:
        cls = base_id(full).rsplit('.', 1)[0]
        fixture = tests.get(f'{cls}.setUpClass')
        if full in tests:
            out[full] = tests[full]
        elif fixture:
            out[full] = {**fixture, 'reason': f"class setup: {fixture['reason']}"}
        elif reason_for(full, excluded) is not None:
            out[full] = {'status': 'excluded', 'reason': reason_for(full, excluded), 'tags': []}
        else:
            out[full] = {'status': 'fail', 'reason': 'listed but no result in the stream', 'tags': []}
    for test_id, test in tests.items():  # a failed tearDownClass is a failure of its own
        if test_id not in out and not test_id.endswith('.setUpClass') and test['status'] == 'fail':
            out[test_id] = test
    return out


def table(header, groups):
    rows = [f'| {header} | tests | passed | failed | skipped | excluded |', '|---|---:|---:|---:|---:|---:|']
    for label, statuses in groups:
        counts = Counter(statuses)
        rows.append(f"| {label} | {len(statuses)} | " + ' | '.join(str(counts[s]) for s in STATUSES) + ' |')
    return rows


# nova-docker's tempest selection, as its CI ran it: everything but these features
NOVA_DOCKER_REGEX = re.compile(r'^(?!.*?(boto|volume|resize|suspend|rescue|cinder|migrate|object_storage)).*')


def selection_groups(results):
    """Totals per API, and over the compute tests nova-docker's regex would have run."""
    def select(pred):
        return [v['status'] for t, v in results.items() if pred(t)]
    nova_docker = "tempest.api.compute, nova-docker's selection `" + NOVA_DOCKER_REGEX.pattern.replace('|', '\\|') + '`'
    return [
        ('tempest.api.compute', select(lambda t: t.startswith('tempest.api.compute.'))),
        (nova_docker, select(lambda t: t.startswith('tempest.api.compute.') and NOVA_DOCKER_REGEX.match(t))),
        ('tempest.api.image.v2', select(lambda t: t.startswith('tempest.api.image.'))),
    ]


def module_groups(results):
    groups = OrderedDict()
    for test_id in sorted(results):
        groups.setdefault(module_of(test_id), []).append(results[test_id]['status'])
    return list(groups.items())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--subunit', required=True)
    parser.add_argument('--expected', required=True)
    parser.add_argument('--known-failures', required=True)
    parser.add_argument('--exclusions', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--listed', help='every test id tempest lists for the selection (a full run)')
    parser.add_argument('--gate', action='store_true', help='only the expected tests ran: judge regressions only')
    args = parser.parse_args()

    excluded = read_reasons(args.exclusions)
    known = read_reasons(args.known_failures)
    expected = set(read_list(args.expected))
    results = per_test(read_subunit(args.subunit), read_list(args.listed) if args.listed else [], excluded)
    for test_id, test in results.items():
        if test['status'] == 'fail':
            test['known_reason'] = reason_for(base_id(test_id), known)

    status_of = {base_id(t): v['status'] for t, v in results.items()}
    regressions = sorted(t for t in expected if status_of.get(t) != 'pass')
    new_passes = sorted(b for b, st in status_of.items() if st == 'pass' and b not in expected)
    unexplained = [] if args.gate else sorted(
        base_id(t) for t, v in results.items() if v['status'] == 'fail' and not v.get('known_reason') and base_id(t) not in expected)
    totals = Counter(v['status'] for v in results.values())

    summary = table('selection', selection_groups(results)) + [''] + table('module', module_groups(results))
    with open(f'{args.out}/results.json', 'w') as f:
        json.dump({'tests': results, 'totals': dict(totals), 'regressions': regressions,
                   'new_passes': new_passes, 'unexplained_failures': unexplained}, f, indent=1, sort_keys=True)
    with open(f'{args.out}/summary.md', 'w') as f:
        f.write('# tempest against novashim: the last full run\n\n' + '\n'.join(summary) + '\n\n'
                'Excluded tests are not run; exclusions.txt gives each one\'s reason. Each failure has its reason in '
                'known-failures.txt, and each skip carries tempest\'s own reason in results.json. A test whose class '
                'setup was skipped or failed counts with its class.\n')

    print('\n'.join(summary))
    for t in new_passes:
        print(f'NEW PASS (add to expected-pass.txt): {t}')
    for t in unexplained:
        print(f'FAILED WITHOUT A RECORDED REASON: {t}')
    for t in regressions:
        print(f'REGRESSION (expected to pass, got {status_of.get(t, "no result")}): {t}')
    print(f'tempest: {totals["pass"]} passed, {totals["fail"]} failed, {totals["skip"]} skipped, {totals["excluded"]} excluded; '
          f'expected {len(expected)}, regressions {len(regressions)}, unexplained failures {len(unexplained)}')
    if args.gate:
        print(f'gate: {len(expected) - len(regressions)} passed, {len(regressions)} failed')
    return 1 if regressions or unexplained else 0


if __name__ == '__main__':
    sys.exit(main())
