// The kernel: its display channel (display) and its interrupts (interrupt), on tslab and on Deno's kernel.
export * from './display';
export * from './interrupt';
