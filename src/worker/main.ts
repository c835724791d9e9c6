process.send?.({ type: 'ready', protocol: 1, pid: process.pid });
