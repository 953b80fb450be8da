// 'k6/execution': the runner sets the ids before each iteration.
const exec = { vu: { idInTest: 1 }, scenario: { iterationInTest: 0 } };
export default exec;
