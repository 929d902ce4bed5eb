import { expect } from 'chai';
import { HISTORY, MAX_VERSION, MIN_VERSION, Microversion, negotiate, requestedVersion, versioned } from '../../src/api/microversion';

describe('microversions', () => {
  it('keeps MAX equal to the last history entry and the history strictly increasing by one', () => {
    expect(MAX_VERSION.toString()).to.equal(HISTORY[HISTORY.length - 1].version);
    expect(MIN_VERSION.toString()).to.equal('2.1');
    HISTORY.forEach((entry, i) => {
      expect(entry.change, entry.version).to.have.length.greaterThan(10);
      if (i > 0) expect(Microversion.parse(entry.version).minor).to.equal(Microversion.parse(HISTORY[i - 1].version).minor + 1);
    });
  });

  it('parses and compares versions without reading 2.10 as 2.1', () => {
    expect(Microversion.parse('2.10').compare(Microversion.parse('2.9'))).to.be.greaterThan(0);
    expect(() => Microversion.parse('2.x')).to.throw(/invalid format/);
    expect(() => Microversion.parse('2.01')).to.throw();
  });

  it('prefers OpenStack-API-Version over the legacy header and understands latest', () => {
    expect(requestedVersion({ 'openstack-api-version': 'volume 3.0, compute 2.1', 'x-openstack-nova-api-version': '2.9' })).to.equal('2.1');
    expect(requestedVersion({ 'x-openstack-nova-api-version': '2.1' })).to.equal('2.1');
    expect(requestedVersion({})).to.equal(null);
    expect(negotiate(null).toString()).to.equal(MIN_VERSION.toString());
    expect(negotiate('latest').toString()).to.equal(MAX_VERSION.toString());
    expect(() => negotiate('3.0')).to.throw(/not supported/);
  });

  it('refuses version tables with gaps, overlaps or a closed end', () => {
    expect(() => versioned([{ min: '2.1', max: '2.3', value: 1 }, { min: '2.5', value: 2 }])).to.throw(/gap or overlap/);
    expect(() => versioned([{ min: '2.1', max: '2.3', value: 1 }, { min: '2.3', value: 2 }])).to.throw(/gap or overlap/);
    expect(() => versioned([{ min: '2.1', max: '2.3', value: 1 }])).to.throw(/open-ended/);
    expect(() => versioned([{ min: '2.2', value: 1 }])).to.throw(/starts at/);
    const table = versioned([{ min: '2.1', max: '2.18', value: 'a' }, { min: '2.19', value: 'b' }]);
    expect(table.pick(Microversion.parse('2.18'))).to.equal('a');
    expect(table.pick(Microversion.parse('2.19'))).to.equal('b');
  });
});
