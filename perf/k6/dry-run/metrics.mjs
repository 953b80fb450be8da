// 'k6/metrics': counters and trends that only add up.
export const values = {};
class Metric {
  constructor(name) { this.name = name; values[name] = values[name] || 0; }
  add(value) { values[this.name] += Number(value); }
}
export class Counter extends Metric {}
export class Trend extends Metric {}
export class Rate extends Metric {}
export class Gauge extends Metric {}
