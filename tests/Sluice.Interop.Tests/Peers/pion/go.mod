module sluice.test/pionpeer
