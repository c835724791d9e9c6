console.log('transfer-studio');
