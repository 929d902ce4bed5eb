"""Asks a running novashim what it offers and writes tempest.conf (and accounts.yaml) for it.

The microversion range comes from GET /compute/v2.1, the image from the image service (the
"busybox" fixture), so the configuration says what the service advertises, not what we hope.
In accounts mode, users and projects for pre-provisioned credentials are created through the
Keystone admin API first.
"""
import argparse
import json
import urllib.request

ACCOUNT_PASSWORD = 'tempest-Secret-1'


def call(url, method='GET', body=None, token=None):
    headers = {'Content-Type': 'application/json', 'Accept': 'application/json'}
    if token:
        headers['X-Auth-Token'] = token
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers)) as resp:
        raw = resp.read()
        return resp.headers, (json.loads(raw) if raw else None)


def admin_token(url, password):
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'admin', 'password': password, 'domain': {'name': 'Default'}}}},
        'scope': {'project': {'name': 'admin', 'domain': {'name': 'Default'}}}}}
    headers, _ = call(f'{url}/identity/v3/auth/tokens', 'POST', body)
    return headers['X-Subject-Token']


def microversions(url, token):
    _, doc = call(f'{url}/compute/v2.1', token=token)
    return doc['version']['min_version'], doc['version']['version']


def image_id(url, token, name):
    _, doc = call(f'{url}/image/v2/images?name={name}', token=token)
    images = [i for i in doc['images'] if i['status'] == 'active']
    if not images:
        raise SystemExit(f'no active image named {name!r}: is the fixture registered?')
    return images[0]['id']


def upload_image(url, token, name, tarball):
    """A second bootable image (a copy of the fixture under another id), for tests that need two."""
    _, image = call(f'{url}/image/v2/images', 'POST', {'name': name, 'container_format': 'docker',
                                                       'disk_format': 'raw', 'visibility': 'public'}, token)
    with open(tarball, 'rb') as f:
        request = urllib.request.Request(f'{url}/image/v2/images/{image["id"]}/file', data=f.read(), method='PUT',
                                         headers={'Content-Type': 'application/octet-stream', 'X-Auth-Token': token})
    urllib.request.urlopen(request).read()
    return image['id']


def create_accounts(url, token, count):
    """count member accounts in their own projects, plus count admins sharing the admin role."""
    _, roles = call(f'{url}/identity/v3/roles', token=token)
    role_ids = {r['name']: r['id'] for r in roles['roles']}
    accounts = []
    for kind, n in (('member', count), ('admin', count)):
        for i in range(1, n + 1):
            name = f'tempest-{kind}{i}'
            _, project = call(f'{url}/identity/v3/projects', 'POST', {'project': {'name': name, 'domain_id': 'default'}}, token)
            _, user = call(f'{url}/identity/v3/users', 'POST', {'user': {
                'name': name, 'password': ACCOUNT_PASSWORD, 'domain_id': 'default'}}, token)
            pid, uid = project['project']['id'], user['user']['id']
            call(f'{url}/identity/v3/projects/{pid}/users/{uid}/roles/{role_ids[kind]}', 'PUT', token=token)
            accounts.append((name, kind))
    return accounts


def accounts_yaml(accounts):
    lines = []
    for name, kind in accounts:
        lines += [f'- username: {name}', f'  project_name: {name}', f'  password: {ACCOUNT_PASSWORD}',
                  '  user_domain_name: Default', '  project_domain_name: Default']
        lines.append('  types: [admin]' if kind == 'admin' else '  roles: [member]')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', required=True)
    parser.add_argument('--admin-password', required=True)
    parser.add_argument('--region', required=True)
    parser.add_argument('--template', required=True)
    parser.add_argument('--workspace', required=True)
    parser.add_argument('--image', default='busybox', help='name of the registered fixture image tempest boots')
    parser.add_argument('--image-tarball', required=True, help="the same image's docker save tarball, uploaded as the second image")
    parser.add_argument('--accounts', type=int, default=0, help='pre-provisioned accounts per kind (0: dynamic credentials)')
    args = parser.parse_args()

    token = admin_token(args.url, args.admin_password)
    low, high = microversions(args.url, token)
    values = {
        'WORKSPACE': args.workspace, 'URL': args.url, 'REGION': args.region, 'ADMIN_PASSWORD': args.admin_password,
        'IMAGE_REF': image_id(args.url, token, args.image), 'MIN_MICROVERSION': low, 'MAX_MICROVERSION': high,
        'IMAGE_REF_ALT': upload_image(args.url, token, f'{args.image}-alt', args.image_tarball),
        'DYNAMIC': 'False' if args.accounts else 'True',
    }
    with open(args.template) as f:
        conf = f.read()
    for key, value in values.items():
        conf = conf.replace(f'@{key}@', value)
    with open(f'{args.workspace}/etc/tempest.conf', 'w') as f:
        f.write(conf)
    if args.accounts:
        with open(f'{args.workspace}/etc/accounts.yaml', 'w') as f:
            f.write(accounts_yaml(create_accounts(args.url, token, args.accounts)))
    print(f'tempest.conf: compute microversions {low}..{high}, images {values["IMAGE_REF"]} and {values["IMAGE_REF_ALT"]}, '
          f'credentials {"pre-provisioned" if args.accounts else "dynamic"}')


if __name__ == '__main__':
    main()
