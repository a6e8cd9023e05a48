//! `hello-world`: prints its greeting and exits.

pub fn main(_args: &[String]) -> i32 {
    print!("{}", GREETING);
    0
}

const GREETING: &str = "
Hello from netlings!
This message shows that your lab appears to be working correctly.

To generate this message, netlings took these steps:
 1. The netlings client contacted the lab's engine over its unix socket.
 2. The engine found the built-in \"hello-world\" image.
 3. The engine created a new container from that image: its own network,
    mount, UTS and PID namespaces, running the program that printed this.
 4. The engine streamed that output to the netlings client, which sent it
    to your terminal.

To try something more ambitious, follow the first lesson:
 $ netlings lesson run default-bridge
";
